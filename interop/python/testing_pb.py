"""The grpc.testing protos from Debian's grpc-proto package, for grpcio.

The protos are compiled when this module is imported (grpc_tools' protoc, into
a descriptor set) and their messages and services are built from the
descriptors: no generated files, and no clash between a generated
`grpc.testing` package and grpcio's own `grpc` package.
"""
import os
import tempfile
import types

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_tools import protoc

PROTO_ROOT = '/usr/share/grpc-proto'
TEST_PROTO = 'grpc/testing/test.proto'


def _compile(proto):
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, 'descriptors.pb')
        args = ['protoc', '-I' + PROTO_ROOT, '--include_imports',
                '--descriptor_set_out=' + out, proto]
        if protoc.main(args) != 0:
            raise RuntimeError('protoc could not compile %s in %s' % (proto, PROTO_ROOT))
        with open(out, 'rb') as f:
            return descriptor_pb2.FileDescriptorSet.FromString(f.read())


_pool = descriptor_pool.DescriptorPool()
for _file in _compile(TEST_PROTO).file:
    _pool.Add(_file)
_factory = message_factory.MessageFactory(_pool)


def message(name):
    """The message class of a `grpc.testing` message, by its short name."""
    return _factory.GetPrototype(_pool.FindMessageTypeByName('grpc.testing.' + name))


Empty = message('Empty')
Payload = message('Payload')
SimpleRequest = message('SimpleRequest')
SimpleResponse = message('SimpleResponse')
StreamingInputCallRequest = message('StreamingInputCallRequest')
StreamingInputCallResponse = message('StreamingInputCallResponse')
StreamingOutputCallRequest = message('StreamingOutputCallRequest')
StreamingOutputCallResponse = message('StreamingOutputCallResponse')
ResponseParameters = message('ResponseParameters')
EchoStatus = message('EchoStatus')


def _methods(service):
    """Each method of a service with its request class, response class and kind."""
    for method in _pool.FindServiceByName('grpc.testing.' + service).methods:
        kind = {
            (False, False): 'unary_unary',
            (True, False): 'stream_unary',
            (False, True): 'unary_stream',
            (True, True): 'stream_stream',
        }[(method.client_streaming, method.server_streaming)]
        yield (method.name, _factory.GetPrototype(method.input_type),
               _factory.GetPrototype(method.output_type), kind)


def stub(channel, service):
    """A client of `grpc.testing.<service>`: one multi-callable per method, by name."""
    methods = {}
    for name, request_class, response_class, kind in _methods(service):
        methods[name] = getattr(channel, kind)(
            '/grpc.testing.%s/%s' % (service, name),
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString)
    return types.SimpleNamespace(**methods)


def handler(service, implementation):
    """A grpcio handler serving `grpc.testing.<service>` with the given functions, by method name."""
    handlers = {}
    for name, request_class, response_class, kind in _methods(service):
        if name in implementation:
            handlers[name] = getattr(grpc, kind + '_rpc_method_handler')(
                implementation[name],
                request_deserializer=request_class.FromString,
                response_serializer=response_class.SerializeToString)
    return grpc.method_handlers_generic_handler('grpc.testing.' + service, handlers)
