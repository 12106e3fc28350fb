"""Sends server reflection requests on one stream and never reads a reply.

Usage: unread_reflection.py HOST:PORT COUNT

Prints "sent N" every 1,000 requests the channel takes, and "all sent" once
it has taken COUNT; then waits to be killed. A server that answers while
nothing reads its answers must stop reading requests, or hold them all.
"""
import sys
import threading

import grpc

target, count = sys.argv[1], int(sys.argv[2])
symbol = b"sum.SumService"
# ServerReflectionRequest { file_containing_symbol (4): "sum.SumService" }
request = b"\x22" + bytes([len(symbol)]) + symbol


def requests():
    for i in range(1, count + 1):
        yield request
        if i % 1000 == 0:
            print(f"sent {i}", flush=True)
    print("all sent", flush=True)
    threading.Event().wait()


channel = grpc.insecure_channel(target)
call = channel.stream_stream(
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    request_serializer=lambda b: b,
    response_deserializer=lambda b: b,
)
responses = call(requests())  # never read
threading.Event().wait()
