"""grpc.testing.TestService on grpcio: the independent server lib/'s interop client runs against.

Usage: test_server.py [--host HOST] [--port PORT]
Prints "listening on HOST:PORT" once ready (PORT 0 picks a free port) and
serves until killed.
"""
import argparse
import time
from concurrent import futures

import grpc

import testing_pb as pb

ECHO_INITIAL = 'x-grpc-test-echo-initial'
ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin'
STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


def echo_metadata(context):
    """Echo Metadata: the echo keys go back as initial and trailing metadata."""
    received = dict(context.invocation_metadata())
    if ECHO_INITIAL in received:
        context.send_initial_metadata(((ECHO_INITIAL, received[ECHO_INITIAL]),))
    if ECHO_TRAILING in received:
        context.set_trailing_metadata(((ECHO_TRAILING, received[ECHO_TRAILING]),))


def echo_status(request, context):
    """Echo Status: a request's response_status ends the call with that status."""
    status = request.response_status
    if request.HasField('response_status') and status.code != 0:
        context.abort(STATUS_CODES[status.code], status.message)


def payload(size):
    return pb.Payload(body=bytes(size))


def responses(request):
    """The responses one StreamingOutputCallRequest asks for, honouring interval_us."""
    for parameters in request.response_parameters:
        time.sleep(parameters.interval_us / 1e6)
        yield pb.StreamingOutputCallResponse(payload=payload(parameters.size))


def empty_call(request, context):
    return pb.Empty()


def unary_call(request, context):
    echo_metadata(context)
    echo_status(request, context)
    return pb.SimpleResponse(payload=payload(request.response_size))


def streaming_output_call(request, context):
    echo_metadata(context)
    echo_status(request, context)
    yield from responses(request)


def streaming_input_call(request_iterator, context):
    size = sum(len(request.payload.body) for request in request_iterator)
    return pb.StreamingInputCallResponse(aggregated_payload_size=size)


def full_duplex_call(request_iterator, context):
    echo_metadata(context)
    for request in request_iterator:
        echo_status(request, context)
        yield from responses(request)


def half_duplex_call(request_iterator, context):
    echo_metadata(context)
    for request in list(request_iterator):
        echo_status(request, context)
        yield from responses(request)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='localhost')
    parser.add_argument('--port', type=int, default=50052)
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((pb.handler('TestService', {
        'EmptyCall': empty_call,
        'UnaryCall': unary_call,
        'StreamingOutputCall': streaming_output_call,
        'StreamingInputCall': streaming_input_call,
        'FullDuplexCall': full_duplex_call,
        'HalfDuplexCall': half_duplex_call,
    }),))
    port = server.add_insecure_port('%s:%d' % (args.host, args.port))
    if port == 0:
        raise SystemExit('error: cannot listen on %s:%d' % (args.host, args.port))
    server.start()
    print('listening on %s:%d' % (args.host, port), flush=True)
    server.wait_for_termination()


if __name__ == '__main__':
    main()
