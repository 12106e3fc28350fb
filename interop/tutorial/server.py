import logging
from concurrent import futures
import sys
import time

import grpc
import sum_pb2
import sum_pb2_grpc


class SumServicer(sum_pb2_grpc.SumServiceServicer):
    def __init__(self):
        self.sum = 0

    def SumServer(self, request_iterator, context):
        for new_request in request_iterator:
            self.sum += new_request.num
            yield sum_pb2.ReplyMessage(sum=self.sum)


def serve(port):
    print("init server...")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    sum_pb2_grpc.add_SumServiceServicer_to_server(SumServicer(), server)
    port = server.add_insecure_port('[::]:%d' % port)
    server.start()
    print('start server.')
    print('listening on [::]:%d' % port)
    server.wait_for_termination()


if __name__ == '__main__':
    logging.basicConfig()
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 50051)
