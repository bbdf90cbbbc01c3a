# An asyncio program whose coroutine computes without awaiting while another wants to tick every
# 5 ms: the ticks wait for the computation.
import asyncio


async def ticker(ticks):
    for _ in range(ticks):
        await asyncio.sleep(0.005)


async def crunch(rounds):
    for _ in range(rounds):
        sum(i * i for i in range(3_000_000))   # no await: the loop is held
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(ticker(20), crunch(3))


asyncio.run(main())
