# Three processes append 5,000 numbers each to a Manager().list(): every append is a request to
# the manager process and its reply.
from multiprocessing import Manager, Process


def produce(results, start):
    for i in range(start, start + 5000):
        results.append(i % 7)


if __name__ == "__main__":
    with Manager() as manager:
        results = manager.list()
        procs = [Process(target=produce, args=(results, k * 5000)) for k in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(len(results))
