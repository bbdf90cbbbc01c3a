# A process pool whose tasks carry 8 MB of data each and do almost nothing with it: 40 tasks.
import multiprocessing


def checksum(data):
    return data[0] + data[-1]


if __name__ == "__main__":
    blobs = [bytes([i % 251]) * (8 << 20) for i in range(40)]
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.map(checksum, blobs, chunksize=1)))
