"""Runs a tutorial's Python program with the stubs of its proto, as grpc_tools.protoc makes them.

Usage: run_tutorial.py PROTO[:PACKAGE] SCRIPT [ARG...]

Generates `<name>_pb2` and `<name>_pb2_grpc` from PROTO in a temporary directory, imports them
and removes the directory, then runs SCRIPT as `__main__` with ARGs, its folder first on the
path: its `import <name>_pb2` finds them loaded. With `:PACKAGE`, the proto is compiled as
PACKAGE/<name>.proto, as the position tutorial's codegen.py compiles proto/position.proto, and
the modules are PACKAGE.<name>_pb2 and PACKAGE.<name>_pb2_grpc.

Each server the program starts prints `listening on HOST:PORT` once started, with the port it
was given, so that a test can start it on port 0 and learn where it listens. Nothing is written
next to the proto or the script.
"""
import importlib
import os
import runpy
import shutil
import sys
import tempfile

import grpc
from grpc_tools import protoc


def import_stubs(proto, package):
    name = os.path.splitext(os.path.basename(proto))[0]
    with tempfile.TemporaryDirectory() as root:
        if package:
            os.mkdir(os.path.join(root, package))
            open(os.path.join(root, package, '__init__.py'), 'w').close()
            source = os.path.join(root, package, os.path.basename(proto))
            shutil.copy(proto, source)
            include, prefix = root, package + '.'
        else:
            source, include, prefix = proto, os.path.dirname(proto), ''
        args = ['protoc', '-I' + include, '--python_out=' + root, '--grpc_python_out=' + root,
                source]
        if protoc.main(args) != 0:
            raise SystemExit('error: protoc could not compile %s' % proto)
        sys.path.insert(0, root)
        try:
            importlib.import_module(prefix + name + '_pb2')
            importlib.import_module(prefix + name + '_pb2_grpc')
        finally:
            sys.path.remove(root)


def announce_listening():
    """Makes grpc.server() servers print `listening on HOST:PORT` for each port, once started."""
    make_server = grpc.server

    def server(*args, **kwargs):
        made = make_server(*args, **kwargs)
        add_insecure_port, start = made.add_insecure_port, made.start
        bound = []

        def add_port(address):
            port = add_insecure_port(address)
            bound.append('%s:%d' % (address.rsplit(':', 1)[0], port))
            return port

        def start_and_announce():
            start()
            for address in bound:
                print('listening on ' + address, flush=True)

        made.add_insecure_port, made.start = add_port, start_and_announce
        return made

    grpc.server = server


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__.strip())
    proto, _, package = sys.argv[1].partition(':')
    script = os.path.abspath(sys.argv[2])
    import_stubs(os.path.abspath(proto), package)
    announce_listening()
    sys.path.insert(0, os.path.dirname(script))
    sys.argv = [script] + sys.argv[3:]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
