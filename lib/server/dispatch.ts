/**
 * From typed handlers to the callback-style service grpc-js runs: one
 * adapter per call kind, the requests of streaming calls as an async
 * iterable, and the write loop of streaming responses with its back-pressure
 * (the call's buffer, and the connection's send window).
 *
 * @module
 */
import type {
  handleBidiStreamingCall,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Buffer } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import { SendWindow } from "../deno/send_window.ts";
import { overlapWrites } from "../deno/write_overlap.ts";
import { directTransportOf, transportOf } from "../grpc_js/grpc_internals.ts";
import type { CallContext, CallHooks, ServiceImplementation } from "./handler.ts";
import { wellFramed } from "../wire/protobuf_wire.ts";
import type { LoadedService, Methods, Source } from "../wire/service.ts";
import { type GrpcCall, ServerCall, type UnaryCallback } from "./server_call.ts";
import { Status } from "../status.ts";
import { drained, inboxFrom } from "../flow/streams.ts";

/** What the adapters need of the server. */
export interface DispatchOptions extends CallHooks {
  /** See `GrpcServerOptions.maxUnsentBytes`. */
  maxUnsentBytes?: number;
}

// deno-lint-ignore no-explicit-any
type AnyHandler = (input: any, context: CallContext) => any;
type ResponseStream = ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;
type Serialize = (value: unknown) => Buffer;

/** The requests of a streaming call, ending when the client half-closes and failing if it cancels. */
function requestsOf(call: ServerReadableStream<unknown, unknown>, state: ServerCall) {
  const inbox = inboxFrom<unknown>(call as Readable);
  call.on("end", () => state.handleRequestsEnd());
  state.holdRequests(inbox);
  return inbox;
}

/** Runs a handler with one response and sends it, or its error. */
function replyOnce(
  state: ServerCall,
  callback: UnaryCallback,
  handler: AnyHandler,
  input: unknown,
): void {
  const reply = (value: unknown) => {
    if (state.markEnded(Status.OK, "OK")) callback(null, value, state.trailerIfSet);
  };
  const fail = (error: unknown) => state.sendError(state.statusOf(error));
  let result: unknown;
  try {
    result = handler(input, state.context);
  } catch (error) {
    fail(error);
    return;
  }
  // A handler that answers at once is answered at once, without a promise.
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
    (result as PromiseLike<unknown>).then(reply, fail);
  } else reply(result);
}

/**
 * Writes `response`, counted against the connection's `window`; false if the
 * call's buffer is full. The bytes are made here, not in the caller's frame,
 * which would hold the last of them for as long as its stream is idle.
 */
function writeResponse(
  call: ResponseStream,
  serialize: Serialize,
  response: unknown,
  window: SendWindow | undefined,
): boolean {
  const bytes = serialize(response);
  window?.add(bytes.length);
  return call.write(bytes);
}

/** Runs a handler with streaming responses, writing each as the call and connection allow. */
async function replyAll(
  state: ServerCall,
  call: ResponseStream,
  serialize: Serialize,
  handler: AnyHandler,
  input: unknown,
  maxUnsentBytes: number | undefined,
): Promise<void> {
  const window = SendWindow.of(transportOf(call)?.session, maxUnsentBytes);
  try {
    for await (const response of handler(input, state.context) as Source<unknown>) {
      if (state.ended) return;
      if (!writeResponse(call, serialize, response, window)) {
        await state.waitForPeer(drained(call, state.signal));
      }
      if (window?.full) await state.waitForPeer(window.drained(state.signal, call));
    }
    if (state.markEnded(Status.OK, "OK")) call.end(state.trailerIfSet);
  } catch (error) {
    state.sendError(state.statusOf(error));
  }
}

/**
 * Hands a response stream's queued messages on together (see
 * {@linkcode overlapWrites}), if its grpc-js call has no interceptors: from
 * the server's options or from its credentials, they sit between the call and
 * its HTTP/2 stream.
 */
function overlapResponses(call: Writable): void {
  const direct = directTransportOf(call);
  if (direct) overlapWrites(call, direct);
}

/**
 * The grpc-js implementation of `service`: each handler of `implementation`
 * adapted to the callback style grpc-js expects. `open` holds the calls not
 * yet ended.
 */
export function grpcImplementation<M extends Methods>(
  service: LoadedService<M>,
  implementation: ServiceImplementation<M>,
  options: DispatchOptions,
  open: Set<ServerCall>,
): UntypedServiceImplementation {
  const adapted: UntypedServiceImplementation = {};
  const { maxUnsentBytes } = options;
  for (const [name, method] of Object.entries(service.methods)) {
    const handler = implementation[name] as AnyHandler;
    const serialize = (service.definition as ServiceDefinition)[name].responseSerialize;
    switch (method.kind) {
      case "unary":
        adapted[name] = (call: ServerUnaryCall<unknown, unknown>, callback: UnaryCallback) => {
          const state = new ServerCall(call as GrpcCall, options, open, callback);
          replyOnce(state, callback, handler, call.request);
        };
        break;
      case "clientStreaming":
        adapted[name] = (call: ServerReadableStream<unknown, unknown>, callback: UnaryCallback) => {
          const state = new ServerCall(call as GrpcCall, options, open, callback);
          replyOnce(state, callback, handler, requestsOf(call, state));
        };
        break;
      case "serverStreaming":
        adapted[name] = (call: ServerWritableStream<unknown, unknown>) => {
          const state = new ServerCall(call as GrpcCall, options, open);
          overlapResponses(call);
          replyAll(state, call, serialize, handler, call.request, maxUnsentBytes);
        };
        break;
      case "bidiStreaming":
        adapted[name] = ((call: ServerDuplexStream<unknown, unknown>) => {
          const state = new ServerCall(call as GrpcCall, options, open);
          overlapResponses(call);
          replyAll(state, call, serialize, handler, requestsOf(call, state), maxUnsentBytes);
        }) satisfies handleBidiStreamingCall<unknown, unknown>;
        break;
    }
  }
  return adapted;
}

/**
 * The service's definition as lib/ serves it: requests that are not well
 * framed protobuf refused before they are decoded (see `wellFramed`), and
 * streaming responses passed through as bytes: they are serialized before
 * they are written, so their size can be counted.
 */
export function preserialized<M extends Methods>(service: LoadedService<M>): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service.definition as ServiceDefinition).map(([name, method]) => {
      const requestDeserialize = (bytes: Buffer) => {
        if (!wellFramed(bytes)) {
          throw new Error("the request is not a well-framed protobuf message");
        }
        return method.requestDeserialize(bytes);
      };
      const responseSerialize = method.responseStream
        ? (bytes: Buffer) => bytes
        : method.responseSerialize;
      return [name, { ...method, requestDeserialize, responseSerialize }];
    }),
  );
}
