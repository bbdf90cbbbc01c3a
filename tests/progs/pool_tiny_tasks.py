# A process pool given 30,000 tasks that each do almost nothing, one task per message
# (imap_unordered's default chunksize of 1).
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.imap_unordered(square, range(30000))))
