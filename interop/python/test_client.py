"""The gRPC interop client test cases on grpcio: the independent client lib/'s server answers.

Usage: test_client.py --server_port PORT [--server_host HOST] [--test_case CASE,...|all]
Runs each case in turn and prints "CASE passed" or "CASE failed: REASON";
exits 1 if any failed.
"""
import argparse
import queue

import grpc

import testing_pb as pb

CALL_TIMEOUT = 10  # seconds: a case fails rather than hangs on a peer that never answers
STATUS_MESSAGE = 'test status message'
SPECIAL_STATUS_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n'
ECHO_METADATA = (
    ('x-grpc-test-echo-initial', 'test_initial_metadata_value'),
    ('x-grpc-test-echo-trailing-bin', b'\xab\xab\xab'),
)


class CaseFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CaseFailed(message)


def payload(size):
    return pb.Payload(body=bytes(size))


def expect_body(response, size):
    body = response.payload.body
    expect(len(body) == size, 'payload body is %d bytes, expected %d' % (len(body), size))
    expect(body == bytes(size), 'payload body is not all zeros')


def expect_status(error, code, details=None):
    expect(isinstance(error, grpc.RpcError), 'the call succeeded; expected %s' % code.name)
    expect(error.code() is code, 'status %s, expected %s' % (error.code().name, code.name))
    if details is not None:
        expect(error.details() == details,
               'status message %r, expected %r' % (error.details(), details))


def failure_of(call):
    """The RpcError `call()` raises, or None if it succeeds."""
    try:
        call()
    except grpc.RpcError as error:
        return error
    return None


def streaming_request(response_size, request_size):
    return pb.StreamingOutputCallRequest(
        response_parameters=(pb.ResponseParameters(size=response_size),),
        payload=payload(request_size))


class Pipe:
    """Requests sent one at a time, as the case decides: an iterator grpcio reads from."""

    def __init__(self):
        self._queue = queue.Queue()

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is None:
            raise StopIteration()
        return item

    def add(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(None)


def empty_unary(test, unimplemented):
    response = test.EmptyCall(pb.Empty(), timeout=CALL_TIMEOUT)
    expect(isinstance(response, pb.Empty), 'response is not an Empty message')


def large_unary(test, unimplemented):
    request = pb.SimpleRequest(response_size=314159, payload=payload(271828))
    expect_body(test.UnaryCall(request, timeout=CALL_TIMEOUT), 314159)


def client_streaming(test, unimplemented):
    requests = (pb.StreamingInputCallRequest(payload=payload(size))
                for size in (27182, 8, 1828, 45904))
    response = test.StreamingInputCall(requests, timeout=CALL_TIMEOUT)
    expect(response.aggregated_payload_size == 74922,
           'aggregated_payload_size %d, expected 74922' % response.aggregated_payload_size)


def server_streaming(test, unimplemented):
    sizes = (31415, 9, 2653, 58979)
    request = pb.StreamingOutputCallRequest(
        response_parameters=[pb.ResponseParameters(size=size) for size in sizes])
    responses = list(test.StreamingOutputCall(request, timeout=CALL_TIMEOUT))
    expect(len(responses) == 4, '%d responses, expected 4' % len(responses))
    for response, size in zip(responses, sizes):
        expect_body(response, size)


def ping_pong(test, unimplemented):
    pipe = Pipe()
    responses = test.FullDuplexCall(pipe, timeout=CALL_TIMEOUT)
    try:
        for response_size, request_size in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
            pipe.add(streaming_request(response_size, request_size))
            expect_body(next(responses), response_size)
    finally:
        pipe.close()
    expect(next(responses, None) is None, 'more than four responses')


def empty_stream(test, unimplemented):
    responses = list(test.FullDuplexCall(iter(()), timeout=CALL_TIMEOUT))
    expect(responses == [], '%d responses, expected none' % len(responses))


def cancel_after_begin(test, unimplemented):
    pipe = Pipe()
    future = test.StreamingInputCall.future(pipe, timeout=CALL_TIMEOUT)
    future.cancel()
    pipe.close()
    expect(future.cancelled(), 'the call was not cancelled')
    expect(future.code() is grpc.StatusCode.CANCELLED,
           'status %s, expected CANCELLED' % future.code().name)


def cancel_after_first_response(test, unimplemented):
    pipe = Pipe()
    responses = test.FullDuplexCall(pipe, timeout=CALL_TIMEOUT)
    try:
        pipe.add(streaming_request(31415, 27182))
        expect_body(next(responses), 31415)
        responses.cancel()
        expect_status(failure_of(lambda: next(responses)), grpc.StatusCode.CANCELLED)
    finally:
        pipe.close()


def timeout_on_sleeping_server(test, unimplemented):
    pipe = Pipe()
    responses = test.FullDuplexCall(pipe, timeout=0.001)
    try:
        pipe.add(pb.StreamingOutputCallRequest(payload=payload(27182)))
        expect_status(failure_of(lambda: next(responses)), grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        pipe.close()


def custom_metadata(test, unimplemented):
    def expect_echoed(call):
        initial = dict(call.initial_metadata())
        trailing = dict(call.trailing_metadata())
        expect(initial.get('x-grpc-test-echo-initial') == 'test_initial_metadata_value',
               'initial metadata %r lacks the echoed x-grpc-test-echo-initial' % (initial,))
        expect(trailing.get('x-grpc-test-echo-trailing-bin') == b'\xab\xab\xab',
               'trailing metadata %r lacks the echoed x-grpc-test-echo-trailing-bin' % (trailing,))

    request = pb.SimpleRequest(response_size=314159, payload=payload(271828))
    response, call = test.UnaryCall.with_call(
        request, metadata=ECHO_METADATA, timeout=CALL_TIMEOUT)
    expect_body(response, 314159)
    expect_echoed(call)

    responses = test.FullDuplexCall(
        iter((streaming_request(314159, 271828),)), metadata=ECHO_METADATA, timeout=CALL_TIMEOUT)
    received = list(responses)
    expect(len(received) == 1, '%d responses, expected 1' % len(received))
    expect_body(received[0], 314159)
    expect_echoed(responses)


def status_code_and_message(test, unimplemented):
    status = pb.EchoStatus(code=2, message=STATUS_MESSAGE)
    error = failure_of(lambda: test.UnaryCall(
        pb.SimpleRequest(response_status=status), timeout=CALL_TIMEOUT))
    expect_status(error, grpc.StatusCode.UNKNOWN, STATUS_MESSAGE)
    error = failure_of(lambda: list(test.FullDuplexCall(
        iter((pb.StreamingOutputCallRequest(response_status=status),)), timeout=CALL_TIMEOUT)))
    expect_status(error, grpc.StatusCode.UNKNOWN, STATUS_MESSAGE)


def special_status_message(test, unimplemented):
    status = pb.EchoStatus(code=2, message=SPECIAL_STATUS_MESSAGE)
    error = failure_of(lambda: test.UnaryCall(
        pb.SimpleRequest(response_status=status), timeout=CALL_TIMEOUT))
    expect_status(error, grpc.StatusCode.UNKNOWN, SPECIAL_STATUS_MESSAGE)


def unimplemented_method(test, unimplemented):
    error = failure_of(lambda: test.UnimplementedCall(pb.Empty(), timeout=CALL_TIMEOUT))
    expect_status(error, grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(test, unimplemented):
    error = failure_of(lambda: unimplemented.UnimplementedCall(pb.Empty(), timeout=CALL_TIMEOUT))
    expect_status(error, grpc.StatusCode.UNIMPLEMENTED)


def reason_of(error):
    if isinstance(error, CaseFailed):
        return str(error)
    if isinstance(error, grpc.RpcError):
        return 'the call failed with %s: %s' % (error.code().name, error.details())
    return '%s: %s' % (type(error).__name__, error)


CASES = {case.__name__: case for case in (
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
    cancel_after_begin, cancel_after_first_response, timeout_on_sleeping_server,
    custom_metadata, status_code_and_message, special_status_message,
    unimplemented_method, unimplemented_service,
)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--server_host', default='localhost')
    parser.add_argument('--server_port', type=int, required=True)
    parser.add_argument('--test_case', default='all')
    args = parser.parse_args()
    names = list(CASES) if args.test_case == 'all' else args.test_case.split(',')
    unknown = [name for name in names if name not in CASES]
    if unknown:
        parser.error('unknown test case: %s' % ', '.join(unknown))
    failed = 0
    with grpc.insecure_channel('%s:%d' % (args.server_host, args.server_port)) as channel:
        test = pb.stub(channel, 'TestService')
        unimplemented = pb.stub(channel, 'UnimplementedService')
        for name in names:
            try:
                CASES[name](test, unimplemented)
                print('%s passed' % name, flush=True)
            except Exception as error:  # a case fails however it fails; the others still run
                failed += 1
                print('%s failed: %s' % (name, reason_of(error)), flush=True)
    raise SystemExit(1 if failed else 0)


if __name__ == '__main__':
    main()
