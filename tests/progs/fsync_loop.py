# A log that syncs every record: append a 64 KiB record, fsync, N times (argv[1]: the directory,
# argv[2]: N, default 400). Each sync waits for the device to have the record.
import os
import sys

path = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", f"fsync_loop.{os.getpid()}.log")
record = b"x" * 65535 + b"\n"
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 400):
    os.write(fd, record)
    os.fsync(fd)
os.close(fd)
os.unlink(path)
