# Runs a Python one-liner in a new interpreter for each of 25 items.
import subprocess
import sys

out = [subprocess.run([sys.executable, "-c", f"print({i} * {i})"], capture_output=True,
                      check=True).stdout for i in range(25)]
print(len(out))
