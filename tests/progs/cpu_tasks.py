# CPU-bound Python: 40 independent tasks, each a triple loop of multiplications, one after another.
import sys


def task(n):
    total = 0
    for i in range(n):
        for j in range(n):
            for k in range(n):
                total += i * j * k
    return total


count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
print(sum(task(70) for _ in range(count)))
