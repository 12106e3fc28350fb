"""The tutorial's running-sum server (thread pool of 10) with an Add method in its style.

The tutorial's server has no unary method; this one runs the tutorial's own
serve() with its servicer extended by Add, so that the unary measurement has
the tutorial's threading model to compare with.

Usage: with_stubs.py sum.proto threads_server.py PORT
Prints "listening on [::]:PORT" once ready (PORT 0 picks a free one).
"""
import importlib.util
import os
import sys
import threading

import sum_pb2

_tutorial_path = os.path.join(os.path.dirname(__file__), '..', '..', 'interop', 'tutorial', 'server.py')
_spec = importlib.util.spec_from_file_location('tutorial_server', _tutorial_path)
tutorial = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tutorial)


class SumServicer(tutorial.SumServicer):
    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()

    def Add(self, request, context):
        # Unary calls run on all ten threads at once; += on the total is not atomic.
        with self.lock:
            self.sum += request.num
            return sum_pb2.ReplyMessage(sum=self.sum)


if __name__ == '__main__':
    # The tutorial's serve() makes its servicer by this name.
    tutorial.SumServicer = SumServicer
    tutorial.serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
