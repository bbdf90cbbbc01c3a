# A bounded queue feeding one consumer thread that takes 4 ms per item: the producer blocks on a
# full queue, the consumer works through 150 items one after another.
import queue
import threading
import time

items = queue.Queue(maxsize=4)


def consume():
    while True:
        item = items.get()
        if item is None:
            return
        time.sleep(0.004)


worker = threading.Thread(target=consume)
worker.start()
for i in range(150):
    items.put(i)
items.put(None)
worker.join()
