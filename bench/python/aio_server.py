"""The tutorial's running-sum server in the grpc.aio style: one event loop, no thread pool.

Usage: with_stubs.py sum.proto aio_server.py PORT
Prints "listening on localhost:PORT" once ready (PORT 0 picks a free one).
"""
import asyncio
import sys

import grpc
import sum_pb2
import sum_pb2_grpc


class SumServicer(sum_pb2_grpc.SumServiceServicer):
    def __init__(self):
        self.sum = 0

    async def SumServer(self, request_iterator, context):
        async for request in request_iterator:
            self.sum += request.num
            yield sum_pb2.ReplyMessage(sum=self.sum)

    async def Add(self, request, context):
        self.sum += request.num
        return sum_pb2.ReplyMessage(sum=self.sum)


async def serve(port):
    server = grpc.aio.server()
    sum_pb2_grpc.add_SumServiceServicer_to_server(SumServicer(), server)
    bound = server.add_insecure_port('localhost:%d' % port)
    await server.start()
    print('listening on localhost:%d' % bound, flush=True)
    await server.wait_for_termination()


if __name__ == '__main__':
    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
