"""Streams the numbers of stdin over one SumServer call with grpc.aio, printing each total.

Usage: with_stubs.py sum.proto aio_stdin_client.py HOST:PORT < numbers
The Python counterpart of `deno task client`, for the end-to-end benchmark.
"""
import asyncio
import sys

import grpc
import sum_pb2
import sum_pb2_grpc


async def requests():
    for line in sys.stdin:
        for token in line.split():
            yield sum_pb2.RequestMessage(num=int(token))


async def main(target):
    async with grpc.aio.insecure_channel(target) as channel:
        stub = sum_pb2_grpc.SumServiceStub(channel)
        out = sys.stdout
        async for reply in stub.SumServer(requests()):
            out.write('%d\n' % reply.sum)


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1]))
