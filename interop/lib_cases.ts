/**
 * The gRPC interop client test cases, with lib/ as the client, each as the
 * interop test descriptions of the grpc/grpc repository describe it
 * (`doc/interop-test-descriptions.md`). A case resolves if it passes and
 * throws, saying what differed, if it fails.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CallOptions,
  type Client,
  createChannel,
  createClient,
  GrpcError,
  Inbox,
  type Metadata,
  Status,
  statusName,
} from "../lib/mod.ts";
import {
  ECHO_INITIAL,
  ECHO_TRAILING,
  type InteropServices,
  interopServices,
  type Payload,
  type StreamingOutputCallRequest,
} from "./test_service.ts";

/** How long any one call of a case may take: a case fails rather than hangs on a silent peer. */
export const CALL_TIMEOUT_MS = 10_000;

const STATUS_MESSAGE = "test status message";
const SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
const ECHOED_INITIAL = "test_initial_metadata_value";
const ECHOED_TRAILING = new Uint8Array([0xab, 0xab, 0xab]);

/** The clients a case calls, over one channel. */
export interface InteropClients {
  test: Client<InteropServices["testClient"]["methods"]>;
  unimplemented: Client<InteropServices["unimplemented"]["methods"]>;
}

/** One interop client test case. */
export type InteropCase = (clients: InteropClients) => Promise<void>;

/** Clients of `target` (`host:port`) over a new channel; disposing closes the channel. */
export function connect(target: string): InteropClients & Disposable {
  const { testClient, unimplemented } = interopServices();
  const channel = createChannel(target);
  return {
    test: createClient(testClient, channel),
    unimplemented: createClient(unimplemented, channel),
    [Symbol.dispose]: () => channel.close(),
  };
}

function zeros(size: number): Payload {
  return { body: new Uint8Array(size) };
}

/** Asserts that `what` is `expected`, naming both values in one line if not. */
function same(actual: unknown, expected: unknown, what: string): void {
  const message = `${what} is ${Deno.inspect(actual)}, expected ${Deno.inspect(expected)}`;
  assert.deepEqual(actual, expected, message);
}

function assertZeros(payload: Payload | null | undefined, size: number): void {
  const body = payload?.body ?? new Uint8Array();
  same(body.length, size, "payload body size");
  assert.ok(body.every((byte) => byte === 0), "payload body is not all zeros");
}

/** The options of every call of a case: a deadline, so that no case can hang. */
function bounded(options: CallOptions = {}): CallOptions {
  return { timeout: CALL_TIMEOUT_MS, ...options };
}

/** The GrpcError `call` fails with; an assertion error if it succeeds. */
async function failureOf(call: () => Promise<unknown>): Promise<GrpcError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof GrpcError) return error;
    throw error;
  }
  assert.fail("the call succeeded; expected it to fail");
}

function assertStatus(error: GrpcError, code: Status, details?: string): void {
  const expected = statusName(code);
  assert.equal(statusName(error.code), expected, `${error.message}, expected ${expected}`);
  if (details !== undefined) same(error.details, details, "status message");
}

function streamingRequest(responseSize: number, requestSize: number): StreamingOutputCallRequest {
  return { response_parameters: [{ size: responseSize }], payload: zeros(requestSize) };
}

/** A metadata value as text: strings as they are, binary values in hex. */
function valuesOf(metadata: Metadata | undefined, key: string): string[] {
  return (metadata?.get(key) ?? []).map((value) =>
    typeof value === "string" ? value : `0x${Buffer.from(value).toString("hex")}`
  );
}

/** Runs a call with the echo metadata and checks that both keys came back. */
async function assertEchoed(call: (options: CallOptions) => Promise<unknown>): Promise<void> {
  let header: Metadata | undefined;
  let trailer: Metadata | undefined;
  await call(bounded({
    metadata: { [ECHO_INITIAL]: ECHOED_INITIAL, [ECHO_TRAILING]: ECHOED_TRAILING },
    onHeader: (metadata) => header = metadata,
    onTrailer: (metadata) => trailer = metadata,
  }));
  same(valuesOf(header, ECHO_INITIAL), [ECHOED_INITIAL], `${ECHO_INITIAL} in the headers`);
  same(valuesOf(trailer, ECHO_TRAILING), ["0xababab"], `${ECHO_TRAILING} in the trailers`);
}

/** The interop client test cases, by name, in the order they run. */
export const libCases = {
  async empty_unary({ test }) {
    same(await test.EmptyCall({}, bounded()), {}, "the response");
  },

  async large_unary({ test }) {
    const response = await test.UnaryCall(
      { response_size: 314159, payload: zeros(271828) },
      bounded(),
    );
    assertZeros(response.payload, 314159);
  },

  async client_streaming({ test }) {
    const requests = [27182, 8, 1828, 45904].map((size) => ({ payload: zeros(size) }));
    const response = await test.StreamingInputCall(requests, bounded());
    same(response.aggregated_payload_size, 74922, "aggregated_payload_size");
  },

  async server_streaming({ test }) {
    const sizes = [31415, 9, 2653, 58979];
    const responses = await Array.fromAsync(test.StreamingOutputCall(
      { response_parameters: sizes.map((size) => ({ size })) },
      bounded(),
    ));
    same(responses.length, 4, "the number of responses");
    responses.forEach((response, i) => assertZeros(response.payload, sizes[i]));
  },

  async ping_pong({ test }) {
    const requests = new Inbox<StreamingOutputCallRequest>();
    const responses = test.FullDuplexCall(requests, bounded())[Symbol.asyncIterator]();
    try {
      for (
        const [responseSize, requestSize] of [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]]
      ) {
        requests.push(streamingRequest(responseSize, requestSize));
        const { value, done } = await responses.next();
        assert.ok(!done, "the call ended before its response");
        assertZeros(value.payload, responseSize);
      }
      requests.end();
      assert.ok((await responses.next()).done, "more than four responses");
    } finally {
      requests.end();
      await responses.return?.();
    }
  },

  async empty_stream({ test }) {
    const responses = await Array.fromAsync(test.FullDuplexCall([], bounded()));
    same(responses.length, 0, "the number of responses");
  },

  async cancel_after_begin({ test }) {
    const cancel = new AbortController();
    const requests = new Inbox<never>();
    const call = test.StreamingInputCall(requests, bounded({ signal: cancel.signal }));
    cancel.abort();
    try {
      assertStatus(await failureOf(() => call), Status.CANCELLED);
    } finally {
      requests.end();
    }
  },

  async cancel_after_first_response({ test }) {
    const cancel = new AbortController();
    const requests = new Inbox<StreamingOutputCallRequest>();
    const responses = test.FullDuplexCall(requests, bounded({ signal: cancel.signal }))
      [Symbol.asyncIterator]();
    try {
      requests.push(streamingRequest(31415, 27182));
      const { value, done } = await responses.next();
      assert.ok(!done, "the call ended before its first response");
      assertZeros(value.payload, 31415);
      cancel.abort();
      assertStatus(await failureOf(() => responses.next()), Status.CANCELLED);
    } finally {
      requests.end();
    }
  },

  async timeout_on_sleeping_server({ test }) {
    const requests = new Inbox<StreamingOutputCallRequest>();
    requests.push({ payload: zeros(27182) });
    try {
      const error = await failureOf(() =>
        Array.fromAsync(test.FullDuplexCall(requests, { timeout: 1 }))
      );
      assertStatus(error, Status.DEADLINE_EXCEEDED);
    } finally {
      requests.end();
    }
  },

  async custom_metadata({ test }) {
    await assertEchoed(async (options) => {
      const response = await test.UnaryCall(
        { response_size: 314159, payload: zeros(271828) },
        options,
      );
      assertZeros(response.payload, 314159);
    });
    await assertEchoed(async (options) => {
      const responses = await Array.fromAsync(
        test.FullDuplexCall([streamingRequest(314159, 271828)], options),
      );
      same(responses.length, 1, "the number of responses");
      assertZeros(responses[0].payload, 314159);
    });
  },

  async status_code_and_message({ test }) {
    const response_status = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
    const unary = await failureOf(() => test.UnaryCall({ response_status }, bounded()));
    assertStatus(unary, Status.UNKNOWN, STATUS_MESSAGE);
    const duplex = await failureOf(() =>
      Array.fromAsync(test.FullDuplexCall([{ response_status }], bounded()))
    );
    assertStatus(duplex, Status.UNKNOWN, STATUS_MESSAGE);
  },

  async special_status_message({ test }) {
    const response_status = { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE };
    const error = await failureOf(() => test.UnaryCall({ response_status }, bounded()));
    assertStatus(error, Status.UNKNOWN, SPECIAL_STATUS_MESSAGE);
  },

  async unimplemented_method({ test }) {
    const error = await failureOf(() => test.UnimplementedCall({}, bounded()));
    assertStatus(error, Status.UNIMPLEMENTED);
  },

  async unimplemented_service({ unimplemented }) {
    const error = await failureOf(() => unimplemented.UnimplementedCall({}, bounded()));
    assertStatus(error, Status.UNIMPLEMENTED);
  },
} satisfies Record<string, InteropCase>;

/** The names of the interop client test cases, in the order they run. */
export type CaseName = keyof typeof libCases;

/** The names of the interop client test cases, in the order they run. */
export const CASE_NAMES = Object.keys(libCases) as CaseName[];
