"""Python stand-ins for what grpc_tools.protoc generates from an example's
.proto: the message module (compiled with protoc), a <Service>Stub, and a
way to serve a <Service>Servicer. Paths and kinds come from the proto's
descriptors, as in generated code."""

import importlib
import os
import subprocess
import sys
import tempfile

import grpc

EXAMPLES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def messages(example, proto):
    """The <proto>_pb2 module of examples/<example>/<proto>."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["protoc", f"--python_out={out}", f"-I{os.path.join(EXAMPLES, example)}", proto],
            check=True,
        )
        sys.path.insert(0, out)
        try:
            return importlib.import_module(proto[: -len(".proto")] + "_pb2")
        finally:
            sys.path.remove(out)


def _kind(method):
    return (method.client_streaming, method.server_streaming)


def stub(pb2, service, channel):
    """An object with one callable per method, like the generated <Service>Stub."""
    calls = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }
    descriptor = pb2.DESCRIPTOR.services_by_name[service]
    methods = {}
    for method in descriptor.methods:
        methods[method.name] = calls[_kind(method)](
            f"/{descriptor.full_name}/{method.name}",
            request_serializer=getattr(pb2, method.input_type.name).SerializeToString,
            response_deserializer=getattr(pb2, method.output_type.name).FromString,
        )
    return type(f"{service}Stub", (), methods)()


def add_servicer(pb2, service, servicer, server):
    """Serves `servicer`'s methods, like the generated add_<Service>Servicer_to_server. A method
    of the proto that the servicer lacks answers UNIMPLEMENTED, as the generated base class's do."""
    handlers = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }
    descriptor = pb2.DESCRIPTOR.services_by_name[service]
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler(descriptor.full_name, {
            method.name: handlers[_kind(method)](
                getattr(servicer, method.name),
                request_deserializer=getattr(pb2, method.input_type.name).FromString,
                response_serializer=getattr(pb2, method.output_type.name).SerializeToString,
            )
            for method in descriptor.methods
            if hasattr(servicer, method.name)
        }),
    ))
