"""A client that knows no proto file, as grpcurl is: it learns a server's services over
server reflection and calls them with descriptors it got from the server alone.

Usage: reflection_client.py HOST:PORT VERSION CALLS_JSON

VERSION is v1 or v1alpha (grpc.reflection.VERSION.ServerReflection). CALLS_JSON maps each
service the server should list to one unary call: {"pkg.Service": ["Method", {request as
JSON}]}. For every service the server lists, the client asks for the file that declares it,
then for each file it imports that was not sent along, and adds them all to a fresh
DescriptorPool of protobuf's C++ (or upb) backend, which checks them as protoc does. A
service it was given no call for, or a call for a service not listed, is an error. It
prints, one line each:

    services: NAME NAME ...
    NAME: files FILE FILE ...; methods METHOD METHOD ...
    NAME/METHOD REQUEST -> RESPONSE

with the request and response as JSON. Errors go to stderr, with exit status 1.
"""
import json
import queue
import sys
import tempfile

import grpc
from grpc_tools import protoc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.internal import api_implementation

GRPC_PROTO = '/usr/share/grpc-proto'


def message_classes(pool, names):
    factory = message_factory.MessageFactory(pool)
    return [factory.GetPrototype(pool.FindMessageTypeByName(name)) for name in names]


def reflection_messages(version):
    """The reflection request and response classes, from /usr/share/grpc-proto's proto."""
    with tempfile.NamedTemporaryFile(suffix='.pb') as out:
        if protoc.main(['protoc', '-I' + GRPC_PROTO, '--descriptor_set_out=' + out.name,
                        'grpc/reflection/%s/reflection.proto' % version]) != 0:
            raise SystemExit('error: protoc could not compile the reflection proto')
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    package = 'grpc.reflection.%s.' % version
    return message_classes(pool, [package + 'ServerReflectionRequest',
                                  package + 'ServerReflectionResponse'])


def main():
    target, version, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if api_implementation.Type() == 'python':
        raise SystemExit('error: protobuf has only its pure-Python backend, which checks less')
    with grpc.insecure_channel(target) as channel:
        services, files = list_and_fetch(channel, version)
        print('services: ' + ' '.join(services))
        if sorted(services) != sorted(calls):
            raise SystemExit('error: listed %s, calls given for %s' % (services, sorted(calls)))
        for name in services:
            pool = descriptor_pool.DescriptorPool()
            added = set()
            for file in files[name]:
                add_with_dependencies(pool, file, files[name], added)
            service = pool.FindServiceByName(name)
            print('%s: files %s; methods %s' % (
                name, ' '.join(sorted(file.name for file in files[name])),
                ' '.join(method.name for method in service.methods)))
            method_name, request_json = calls[name]
            call(channel, pool, service.methods_by_name[method_name], request_json)


def list_and_fetch(channel, version):
    """The services listed, and for each the FileDescriptorProtos it needs."""
    stub = ReflectionStream(channel, version)
    try:
        listed = stub.ask(list_services='*').list_services_response.service
        services = [service.name for service in listed]
        files = {}
        for name in services:
            response = stub.ask(file_containing_symbol=name)
            protos = [descriptor_pb2.FileDescriptorProto.FromString(data) for data in
                      response.file_descriptor_response.file_descriptor_proto]
            known = {proto.name for proto in protos}
            missing = [dep for proto in protos for dep in proto.dependency if dep not in known]
            while missing:
                dep = missing.pop()
                if dep in known:
                    continue
                response = stub.ask(file_by_filename=dep)
                for data in response.file_descriptor_response.file_descriptor_proto:
                    proto = descriptor_pb2.FileDescriptorProto.FromString(data)
                    if proto.name not in known:
                        known.add(proto.name)
                        protos.append(proto)
                        missing.extend(proto.dependency)
            files[name] = protos
        return services, files
    finally:
        stub.close()


class ReflectionStream:
    """A ServerReflectionInfo stream asked one request at a time, as grpcurl asks."""

    def __init__(self, channel, version):
        self.request, response = reflection_messages(version)
        self.queue = queue.Queue()
        info = channel.stream_stream(
            '/grpc.reflection.%s.ServerReflection/ServerReflectionInfo' % version,
            request_serializer=self.request.SerializeToString,
            response_deserializer=response.FromString)
        self.responses = info(iter(self.queue.get, None), timeout=10)

    def ask(self, **fields):
        self.queue.put(self.request(**fields))
        response = next(self.responses)
        if response.HasField('error_response'):
            raise SystemExit('error: reflection answered %s with %s' % (
                fields, response.error_response.error_message))
        return response

    def close(self):
        self.queue.put(None)
        self.responses.cancel()


def add_with_dependencies(pool, file, files, added):
    """Adds `file` to `pool` after the files it imports; the pool checks each as it comes."""
    if file.name in added:
        return
    by_name = {proto.name: proto for proto in files}
    for dep in file.dependency:
        if dep not in by_name:
            raise SystemExit('error: %s imports %s, which the server did not send' % (
                file.name, dep))
        add_with_dependencies(pool, by_name[dep], files, added)
    try:
        pool.Add(file)
    except Exception as error:  # the backends raise TypeError or ValueError
        raise SystemExit('error: the descriptor pool refuses %s: %s' % (file.name, error))
    added.add(file.name)


def call(channel, pool, method, request_json):
    request_class, response_class = message_classes(
        pool, [method.input_type.full_name, method.output_type.full_name])
    request = json_format.ParseDict(request_json, request_class())
    invoke = channel.unary_unary(
        '/%s/%s' % (method.containing_service.full_name, method.name),
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString)
    response = invoke(request, timeout=10)
    print('%s/%s %s -> %s' % (
        method.containing_service.full_name, method.name,
        json.dumps(json_format.MessageToDict(request), sort_keys=True),
        json.dumps(json_format.MessageToDict(response), sort_keys=True)))


if __name__ == '__main__':
    main()
