"""Runs a Python gRPC program with the stubs of its proto, as the tutorial's codegen.py makes them.

Usage: with_stubs.py PROTO SCRIPT [ARG...]
Generates `<name>_pb2` and `<name>_pb2_grpc` from PROTO (grpc_tools' protoc)
in a temporary directory, imports them and removes the directory, then runs
SCRIPT as `__main__` with ARGs: its `import <name>_pb2` finds them loaded.
Nothing is written next to the proto or the script, and nothing is left behind
however the program ends.
"""
import importlib
import os
import runpy
import sys
import tempfile

from grpc_tools import protoc


def import_stubs(proto):
    name = os.path.splitext(os.path.basename(proto))[0]
    with tempfile.TemporaryDirectory() as stubs:
        args = ['protoc', '-I' + os.path.dirname(proto), '--python_out=' + stubs,
                '--grpc_python_out=' + stubs, proto]
        if protoc.main(args) != 0:
            raise SystemExit('error: protoc could not compile %s' % proto)
        sys.path.insert(0, stubs)
        try:
            importlib.import_module(name + '_pb2')
            importlib.import_module(name + '_pb2_grpc')
        finally:
            sys.path.remove(stubs)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__.strip())
    proto, script = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    import_stubs(proto)
    sys.path.insert(0, os.path.dirname(script))
    sys.argv = [script] + sys.argv[3:]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
