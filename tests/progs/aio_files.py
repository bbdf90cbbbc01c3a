# aiofiles writing FILES files of LINES lines each, line by line (argv: DIR FILES LINES).
import asyncio
import os
import sys

import aiofiles


async def write(path, lines):
    async with aiofiles.open(path, "w") as f:
        for i in range(lines):
            await f.write(f"line {i:06d} of {path}\n")


async def main(directory, files, lines):
    os.makedirs(directory, exist_ok=True)
    await asyncio.gather(*(write(os.path.join(directory, f"f{n}.txt"), lines) for n in range(files)))


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
