# A thread pool of one worker running 8 tasks that each wait 60 ms.
import time
from concurrent.futures import ThreadPoolExecutor


def task(i):
    time.sleep(0.06)
    return i


with ThreadPoolExecutor(max_workers=1) as pool:
    print(sum(pool.map(task, range(8))))
