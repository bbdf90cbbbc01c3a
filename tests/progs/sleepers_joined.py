# Three threads each sleep 0.1 s three times; the main thread joins them.
import threading
import time


def nap():
    for _ in range(3):
        time.sleep(0.1)


threads = [threading.Thread(target=nap) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
