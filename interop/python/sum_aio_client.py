"""All four RPCs of sum.proto from a grpc.aio client, fully asynchronous.

Usage: with_stubs.py sum.proto sum_aio_client.py HOST:PORT
Against a server whose total starts at 0 it prints:
    SumServer 1 2 3 4 5: 1 3 6 10 15
    Add 10: 25
    AddAll 1 2 3: 31
    Watch: 31 32, then cancelled: CANCELLED
    Add 2147483647: OUT_OF_RANGE
"""
import asyncio
import sys

import grpc
import sum_pb2
import sum_pb2_grpc

TIMEOUT = 10  # seconds: no call may hang


def numbers(*nums):
    return [sum_pb2.RequestMessage(num=num) for num in nums]


async def sum_server(stub):
    """Bidi: each number is written once the total after the previous one has been read."""
    call = stub.SumServer(timeout=TIMEOUT)
    totals = []
    for request in numbers(1, 2, 3, 4, 5):
        await call.write(request)
        totals.append((await call.read()).sum)
    await call.done_writing()
    if await call.read() is not grpc.aio.EOF:
        raise AssertionError('SumServer sent more replies than numbers')
    return 'SumServer 1 2 3 4 5: %s' % ' '.join(map(str, totals))


async def add(stub):
    reply = await stub.Add(sum_pb2.RequestMessage(num=10), timeout=TIMEOUT)
    return 'Add 10: %d' % reply.sum


async def add_all(stub):
    async def requests():
        for request in numbers(1, 2, 3):
            yield request
    reply = await stub.AddAll(requests(), timeout=TIMEOUT)
    return 'AddAll 1 2 3: %d' % reply.sum


async def watch(stub):
    """Server streaming: the current total, then the total after an Add made meanwhile."""
    call = stub.Watch(sum_pb2.WatchRequest(), timeout=TIMEOUT)
    current = (await call.read()).sum
    await stub.Add(sum_pb2.RequestMessage(num=1), timeout=TIMEOUT)
    changed = (await call.read()).sum
    call.cancel()
    return 'Watch: %d %d, then cancelled: %s' % (current, changed, (await call.code()).name)


async def overflow(stub):
    try:
        await stub.Add(sum_pb2.RequestMessage(num=2147483647), timeout=TIMEOUT)
    except grpc.aio.AioRpcError as error:
        return 'Add 2147483647: %s' % error.code().name
    return 'Add 2147483647: OK'


async def main(target):
    async with grpc.aio.insecure_channel(target) as channel:
        stub = sum_pb2_grpc.SumServiceStub(channel)
        for rpc in (sum_server, add, add_all, watch, overflow):
            print(await rpc(stub))


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1]))
