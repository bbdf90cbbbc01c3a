# GET one URL 15 times, one request after another (argv[1]: the URL).
import sys
import urllib.request

total = 0
for _ in range(15):
    with urllib.request.urlopen(sys.argv[1]) as response:
        total += len(response.read())
print(total)
