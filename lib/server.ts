import {
  type handleBidiStreamingCall,
  Metadata,
  Server as RawServer,
  type ServerCredentials,
  ServerCredentials as Credentials,
  type ServerDuplexStream,
  type ServerOptions as RawServerOptions,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { EventEmitter } from "node:events";
import type { Http2Session, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import { setImmediate } from "node:timers";
import { limitAge, limitHandshake } from "./connections.ts";
import type { Readable, Writable } from "node:stream";
import { applyDenoPatches } from "./deno/patches.ts";
import { peerOf, type PeerSocket } from "./deno/peer_address.ts";
import { hostPort } from "./address.ts";
import { GrpcError } from "./error.ts";
import { type MetadataInit, toMetadata } from "./metadata.ts";
import type { Source } from "./client.ts";
import type { LoadedService, Method, Methods } from "./service.ts";
import { Status } from "./status.ts";
import { SendWindow } from "./deno/send_window.ts";
import { overlapWrites, type WriteTarget } from "./deno/write_overlap.ts";
import { drained, inboxFrom } from "./streams.ts";
import type { Inbox } from "./inbox.ts";

/** What a handler knows of its call. */
export interface CallContext {
  /** The method's path: `/package.Service/Method`. */
  readonly method: string;
  /** The client's address, as grpc-js reports it. */
  readonly peer: string;
  /** Request metadata (headers). */
  readonly metadata: Metadata;
  /** The client's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /**
   * Aborts when the client cancels or the deadline passes; its `reason` is a
   * {@linkcode GrpcError} saying which. Handlers that wait on anything other
   * than their requests should listen to it.
   */
  readonly signal: AbortSignal;
  /** Sends response headers now; by default an empty set goes with the first response. */
  sendHeader(metadata: MetadataInit): void;
  /** Response trailers, sent with the status, whether the call succeeds or fails. */
  readonly trailer: Metadata;
}

/** The server-side function for one method, by its kind. */
export type Handler<M> = M extends Method<"unary", infer Req, infer Res>
  ? (request: Req, context: CallContext) => Promise<Res> | Res
  : M extends Method<"clientStreaming", infer Req, infer Res>
    ? (requests: AsyncIterable<Req>, context: CallContext) => Promise<Res> | Res
  : M extends Method<"serverStreaming", infer Req, infer Res>
    ? (request: Req, context: CallContext) => Source<Res>
  : M extends Method<"bidiStreaming", infer Req, infer Res>
    ? (requests: AsyncIterable<Req>, context: CallContext) => Source<Res>
  : never;

/** A service's implementation: one handler per method. */
export type ServiceImplementation<M extends Methods> = { [K in keyof M]: Handler<M[K]> };

/** How one call ended, for logs and metrics. */
export interface CallSummary {
  method: string;
  peer: string;
  code: Status;
  details: string;
  durationMs: number;
}

/** Options of a {@linkcode GrpcServer}. */
export interface GrpcServerOptions {
  /**
   * grpc-js server options (`grpc.max_receive_message_length`, …). Channelz
   * is off unless `grpc.enable_channelz` is given and not 0.
   */
  options?: RawServerOptions;
  /**
   * Bytes of streaming responses a connection may hold unsent before the
   * handlers writing them wait (default 1 MiB). Deno 2.8.3's `node:http2`
   * does not hold writes back by HTTP/2 flow control, so without this a
   * client that stops reading would grow the server's memory without bound.
   */
  maxUnsentBytes?: number;
  /**
   * Ends connections this old, as grpc-go's `MaxConnectionAge` does, so that
   * clients rebalance: a GOAWAY, then `maxConnectionAgeGraceMs` (default
   * 5,000) for the calls open on the connection, then `UNAVAILABLE: the
   * connection reached its maximum age` for those still open. Default: never.
   */
  maxConnectionAgeMs?: number;
  /** See {@linkcode GrpcServerOptions.maxConnectionAgeMs}. */
  maxConnectionAgeGraceMs?: number;
  /**
   * How long a new connection may take to send its HTTP/2 preface before it
   * is closed (default 10,000 ms).
   */
  handshakeTimeoutMs?: number;
  /**
   * Called when a client's TLS handshake fails (it does not trust the
   * server's certificate, speaks plaintext, or has no acceptable client
   * certificate), with its address and the reason.
   */
  onHandshakeFailure?: (failure: { peer: string; reason: string }) => void;
  /** Called as each call starts, with its method and peer. */
  onCallStart?: (call: { method: string; peer: string }) => void;
  /** Called once per call, when its status is sent or it is cancelled. */
  onCallEnd?: (summary: CallSummary) => void;
  /**
   * Called with an error a handler threw that is not a {@linkcode GrpcError};
   * the client gets `INTERNAL` with a generic message. Default: `console.error`.
   */
  onUnexpectedError?: (error: unknown, method: string) => void;
}

/** Where a {@linkcode GrpcServer} listens. */
export interface ListenOptions {
  /** Default `localhost`. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Default: plaintext. */
  credentials?: ServerCredentials;
}

type AnyCall =
  | ServerUnaryCall<unknown, unknown>
  | ServerReadableStream<unknown, unknown>
  | ServerWritableStream<unknown, unknown>
  | ServerDuplexStream<unknown, unknown>;

type UnaryCallback = (error: GrpcError | null, value?: unknown, trailer?: Metadata) => void;
// deno-lint-ignore no-explicit-any
type AnyHandler = (input: any, context: CallContext) => any;

/** A call's {@linkcode CallContext}; what is rarely used is made on first use. */
class Context implements CallContext {
  readonly method: string;
  readonly metadata: Metadata;
  readonly deadline: Date | undefined;
  readonly #call: AnyCall;
  readonly #state: ServerCall;
  #peer: string | undefined;

  constructor(call: AnyCall, state: ServerCall) {
    this.#call = call;
    this.#state = state;
    this.method = call.getPath();
    this.metadata = call.metadata;
    const deadline = call.getDeadline();
    this.deadline = Number.isFinite(Number(deadline)) ? new Date(deadline) : undefined;
  }

  get peer(): string {
    return this.#peer ??= this.#call.getPeer();
  }

  get signal(): AbortSignal {
    return this.#state.signal;
  }

  get trailer(): Metadata {
    return this.#state.trailer;
  }

  sendHeader(metadata: MetadataInit): void {
    this.#call.sendMetadata(toMetadata(metadata));
  }
}

/**
 * How late the server's copy of a deadline may run behind the client's: it is
 * the client's timeout counted from when the headers were read, so it is late
 * by the time they took to arrive and wait to be read. A client resetting its
 * call at its deadline was seen up to two milliseconds before the server's
 * copy on an idle machine; such a reset is the deadline passing, not a
 * cancellation. Fifty leaves room for a busy event loop (ten did not, under
 * a whole test run).
 */
const DEADLINE_SLACK_MS = 50;

/** One call's life on the server: its context, and whether its status has gone out. */
class ServerCall {
  readonly context: CallContext;
  readonly #call: AnyCall;
  readonly #started: number;
  readonly #options: GrpcServerOptions;
  readonly #open: Set<ServerCall>;
  readonly #callback: UnaryCallback | undefined;
  // Made on first use: most calls never look at them.
  #controller: AbortController | undefined;
  #abortReason: GrpcError | undefined;
  #requests: Inbox<unknown> | undefined;
  #trailer: Metadata | undefined;
  #finished = false;

  /**
   * `open` holds the server's unfinished calls. `callback` is grpc-js's, for
   * calls with one response: their error status goes to it; other calls send
   * theirs as an `error` event.
   */
  constructor(
    call: AnyCall,
    options: GrpcServerOptions,
    open: Set<ServerCall>,
    callback?: UnaryCallback,
  ) {
    this.#call = call;
    this.#options = options;
    this.#open = open;
    this.#callback = callback;
    this.#started = options.onCallEnd ? performance.now() : 0;
    open.add(this);
    this.context = new Context(call, this);
    // Read now for the summary: once the client has gone, grpc-js says "unknown".
    if (options.onCallEnd) void this.context.peer;
    options.onCallStart?.({ method: this.context.method, peer: this.context.peer });
    // grpc-js also emits 'cancelled' after a call ends normally: only a
    // 'cancelled' before this side has sent its status is a cancellation.
    (call as EventEmitter).on("cancelled", () => this.#cancelled());
    if (call.cancelled) this.#cancelled();
  }

  /** Trailers to send with the status. */
  get trailer(): Metadata {
    return this.#trailer ??= new Metadata();
  }

  /** The trailers, if a handler touched them. */
  get trailerIfSet(): Metadata | undefined {
    return this.#trailer;
  }

  /** The handler's signal (see {@linkcode CallContext.signal}). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Ends `requests` with the reason once the call is aborted, at once if it already is. */
  endOnAbort(requests: Inbox<unknown>): void {
    if (this.#abortReason) requests.end(this.#abortReason);
    else this.#requests = requests;
  }

  #abort(reason: GrpcError): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.#requests?.end(reason);
  }

  get finished(): boolean {
    return this.#finished;
  }

  get maxUnsentBytes(): number | undefined {
    return this.#options.maxUnsentBytes;
  }

  /** The HTTP/2 session the call is on, if it can be found. */
  get session(): unknown {
    return transportOf(this.#call)?.session;
  }

  /** Marks the status as sent; false if the call had already ended. */
  finish(code: Status, details: string): boolean {
    if (this.#finished) return false;
    this.#finished = true;
    this.#open.delete(this);
    this.#report(code, details);
    return true;
  }

  /**
   * Ends the call now with `status`, aborting the handler's signal; resolves
   * once its HTTP/2 stream has closed, so that the status is on the wire.
   */
  end(status: GrpcError): Promise<void> {
    const closed = closeOf(transportOf(this.#call) as EventEmitter & Transport | undefined);
    if (this.fail(status)) this.#abort(status);
    return closed;
  }

  /** Sends an error status, unless the call has already ended; false if it had. */
  fail(status: GrpcError): boolean {
    if (!this.finish(status.code, status.details)) return false;
    if (this.#callback) this.#callback(status);
    else this.#call.emit("error", status);
    return true;
  }

  /**
   * The status to send for an error a handler threw, with the trailers the
   * handler set. A handler's {@linkcode GrpcError} is never modified: with
   * trailers, a copy carries them (the same error may be thrown again).
   */
  statusOf(error: unknown): GrpcError {
    const trailer = this.#trailer;
    if (error instanceof GrpcError) {
      if (!trailer) return error;
      const metadata = error.metadata.clone();
      metadata.merge(trailer);
      return new GrpcError(error.code, error.details, { metadata, cause: error });
    }
    (this.#options.onUnexpectedError ?? logUnexpected)(error, this.context.method);
    return new GrpcError(Status.INTERNAL, "internal error", { metadata: trailer });
  }

  /**
   * Whether the end of the requests is the client's half-close. grpc-js also
   * ends the request stream when the client resets it (cancels) or the
   * deadline passes; those are cancellations, and are treated as such here.
   */
  isHalfClose(): boolean {
    const transport = transportOf(this.#call);
    if (transport?.closed || transport?.destroyed || this.#expired()) this.#cancelled();
    return !this.#finished;
  }

  /** Whether the deadline has passed, or will within `slackMs`. */
  #expired(slackMs = 0): boolean {
    const deadline = this.context.deadline;
    return deadline !== undefined && deadline.getTime() <= Date.now() + slackMs;
  }

  #cancelled(): void {
    if (this.#finished) return;
    const reason = this.#expired(DEADLINE_SLACK_MS)
      ? new GrpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded")
      : new GrpcError(Status.CANCELLED, "cancelled by the client");
    this.#abort(reason); // the handler learns of it before the call is reported
    this.finish(reason.code, reason.details);
  }

  #report(code: Status, details: string): void {
    if (!this.#options.onCallEnd) return;
    const stream = transportOf(this.#call);
    if (stream) reportedStreams.add(stream);
    this.#options.onCallEnd({
      method: this.context.method,
      peer: this.context.peer,
      code,
      details,
      durationMs: performance.now() - this.#started,
    });
  }
}

/** Resolves once the HTTP/2 stream `transport` has closed (at once if it has, or is unknown). */
function closeOf(transport: EventEmitter & Transport | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!transport || transport.closed || transport.destroyed) resolve();
    else transport.once("close", () => resolve());
  });
}

/** The HTTP/2 streams whose calls a {@linkcode ServerCall} has reported. */
const reportedStreams = new WeakSet<object>();

/**
 * Reports, as `onCallEnd` does for lib's own calls, every call on `stream`
 * that no {@linkcode ServerCall} reports: calls of services added to
 * `server.raw` (health, reflection), and calls grpc-js ends before a handler
 * runs (a request over the size limit, one that does not decode). The status
 * is the one the server sent, read from the stream's trailers.
 */
function reportUnseen(
  stream: EventEmitter & ServerHttp2Stream,
  headers: Record<string, unknown>,
  onCallEnd: (summary: CallSummary) => void,
): void {
  // Kept on the stream for one shared listener: a closure per call cost
  // unary calls 3%.
  const watched = stream as WatchedStream;
  watched[unseen] = {
    started: performance.now(),
    method: headers[":path"],
    peer: sessionPeer(stream.session),
    onCallEnd,
  };
  stream.on("close", reportLater);
}

/** After grpc-js's own handling of the close, which reports a cancelled ServerCall. */
function reportLater(this: WatchedStream): void {
  setImmediate(reportIfUnseen, this);
}

const unseen = Symbol("unseen call");

type WatchedStream = ServerHttp2Stream & {
  [unseen]?: {
    started: number;
    method: unknown;
    peer: string;
    onCallEnd: (summary: CallSummary) => void;
  };
};

function reportIfUnseen(stream: WatchedStream): void {
  const call = stream[unseen];
  if (!call || reportedStreams.has(stream)) return;
  const sent = (stream.sentTrailers ?? stream.sentHeaders) as Record<string, unknown> | undefined;
  const status = sent?.["grpc-status"];
  call.onCallEnd({
    method: String(call.method ?? ""),
    peer: call.peer,
    code: status === undefined ? Status.CANCELLED : Number(status) as Status,
    details: status === undefined
      ? "cancelled by the client"
      : decodeURIComponent(String(sent?.["grpc-message"] ?? "")),
    durationMs: performance.now() - call.started,
  });
}

const sessionPeers = new WeakMap<object, string>();

/** A session's client address, read once: the socket may be gone when its calls end. */
function sessionPeer(session: Http2Session | undefined): string {
  if (!session) return "unknown";
  let peer = sessionPeers.get(session);
  if (peer === undefined) {
    peer = peerOf(session.socket as PeerSocket | undefined);
    sessionPeers.set(session, peer);
  }
  return peer;
}

/** What is read of the HTTP/2 stream under a call. */
interface Transport extends WriteTarget {
  closed?: boolean;
  session?: unknown;
}

/**
 * One of grpc-js's layers under a server call: interceptors, each with the
 * next layer, down to the one holding the HTTP/2 stream.
 */
type Layer = { stream?: Transport; nextCall?: Layer };

/** The first layer under a grpc-js server call, read through grpc-js internals. */
function layerUnder(call: AnyCall | Writable): Layer | undefined {
  return (call as unknown as { call?: Layer }).call;
}

/** The HTTP/2 stream under a grpc-js server call, found through grpc-js internals if they allow. */
function transportOf(call: AnyCall): Transport | undefined {
  let layer = layerUnder(call);
  for (let depth = 0; layer && depth < 8; depth++, layer = layer.nextCall) {
    if (layer.stream) return layer.stream;
  }
  return undefined;
}

/**
 * Hands a response stream's queued messages on together (see
 * {@linkcode overlapWrites}), if its grpc-js call has no interceptors: from
 * the server's options or from its credentials, they sit between the call and
 * its HTTP/2 stream.
 */
function overlapResponses(call: Writable): void {
  const direct = layerUnder(call)?.stream;
  if (direct) overlapWrites(call, direct);
}

function logUnexpected(error: unknown, method: string): void {
  console.error(`${method}: handler failed:`, error);
}

/** The requests of a streaming call, ending when the client half-closes and failing if it cancels. */
function requestsOf(call: ServerReadableStream<unknown, unknown>, state: ServerCall) {
  const inbox = inboxFrom<unknown>(call as Readable);
  call.on("end", () => {
    if (state.isHalfClose()) inbox.end();
  });
  state.endOnAbort(inbox);
  return inbox;
}

function replyOnce(
  state: ServerCall,
  callback: UnaryCallback,
  handler: AnyHandler,
  input: unknown,
): void {
  const reply = (value: unknown) => {
    if (state.finish(Status.OK, "OK")) callback(null, value, state.trailerIfSet);
  };
  const fail = (error: unknown) => state.fail(state.statusOf(error));
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

type ResponseStream = ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;
type Serialize = (value: unknown) => Buffer;

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

async function replyAll(
  state: ServerCall,
  call: ResponseStream,
  serialize: Serialize,
  handler: AnyHandler,
  input: unknown,
): Promise<void> {
  const window = SendWindow.of(transportOf(call)?.session, state.maxUnsentBytes);
  try {
    for await (const response of handler(input, state.context) as Source<unknown>) {
      if (state.finished) return;
      if (!writeResponse(call, serialize, response, window)) await drained(call, state.signal);
      if (window?.full) await window.drained(state.signal);
    }
    if (state.finish(Status.OK, "OK")) call.end(state.trailerIfSet);
  } catch (error) {
    state.fail(state.statusOf(error));
  }
}

/** Adapts typed handlers to the callback style grpc-js expects. */
function adapt<M extends Methods>(
  service: LoadedService<M>,
  implementation: ServiceImplementation<M>,
  options: GrpcServerOptions,
  open: Set<ServerCall>,
): UntypedServiceImplementation {
  const adapted: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service.methods)) {
    const handler = implementation[name] as AnyHandler;
    const serialize = service.definition[name].responseSerialize;
    switch (method.kind) {
      case "unary":
        adapted[name] = (call: ServerUnaryCall<unknown, unknown>, callback: UnaryCallback) => {
          const state = new ServerCall(call, options, open, callback);
          replyOnce(state, callback, handler, call.request);
        };
        break;
      case "clientStreaming":
        adapted[name] = (call: ServerReadableStream<unknown, unknown>, callback: UnaryCallback) => {
          const state = new ServerCall(call, options, open, callback);
          replyOnce(state, callback, handler, requestsOf(call, state));
        };
        break;
      case "serverStreaming":
        adapted[name] = (call: ServerWritableStream<unknown, unknown>) => {
          const state = new ServerCall(call, options, open);
          overlapResponses(call);
          replyAll(state, call, serialize, handler, call.request);
        };
        break;
      case "bidiStreaming":
        adapted[name] = ((call: ServerDuplexStream<unknown, unknown>) => {
          const state = new ServerCall(call, options, open);
          overlapResponses(call);
          replyAll(state, call, serialize, handler, requestsOf(call, state));
        }) satisfies handleBidiStreamingCall<unknown, unknown>;
        break;
    }
  }
  return adapted;
}

/**
 * The service's definition with streaming responses passed through as bytes:
 * they are serialized before they are written, so their size can be counted.
 */
function preserialized<M extends Methods>(service: LoadedService<M>): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service.definition).map(([name, method]) => [
      name,
      method.responseStream ? { ...method, responseSerialize: (bytes: Buffer) => bytes } : method,
    ]),
  );
}

/**
 * grpc-js keeps channelz statistics of every call unless told not to, for a
 * channelz service this server does not offer: per call an object with four
 * closures (0.35 KB of an idle stream's heap), and a clock read per message
 * each way. `grpc.enable_channelz: 1` in `options` turns it back on. Without
 * channelz, grpc-js 1.14's `forceShutdown` closes no connection (it closes
 * those channelz tracks): a forced shutdown closes them itself.
 */
const SERVER_DEFAULTS: RawServerOptions = { "grpc.enable_channelz": 0 };

type Http2Servers = Map<EventEmitter, { sessions?: Set<{ destroy(): void }> }>;

/** grpc-js's HTTP/2 servers, with their sessions, read through grpc-js internals. */
function http2Servers(server: RawServer): Http2Servers {
  return (server as unknown as { http2Servers?: Http2Servers }).http2Servers ?? new Map();
}

/** The `node:http2` servers a grpc-js server listens with, one per bound address. */
function http2ServersOf(server: RawServer): EventEmitter[] {
  return [...http2Servers(server).keys()];
}

/**
 * The open connections of a grpc-js server (the sessions it keeps per HTTP/2
 * server, as its own `drain` reads them).
 */
function connectionsOf(server: RawServer): Array<{ destroy(): void }> {
  return [...http2Servers(server).values()].flatMap((entry) => [...entry.sessions ?? []]);
}

/** How long a forced shutdown waits for the statuses it sent to reach the wire. */
const STATUS_FLUSH_MS = 250;

/** What `promise` resolves to, or `otherwise` if `ms` milliseconds pass first. */
async function within<T, U>(ms: number, promise: Promise<T>, otherwise: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<U>((resolve) => timer = setTimeout(() => resolve(otherwise), ms));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A gRPC server that runs typed handlers: plain async functions for unary and
 * client-streaming methods, async generators for streaming responses.
 * Throwing a {@linkcode GrpcError} ends the call with its status; any other
 * error ends it with `INTERNAL` and is reported to `onUnexpectedError`.
 *
 * @example
 * ```ts ignore
 * const server = new GrpcServer();
 * server.add(ChatService, {
 *   async *Talk(requests) {
 *     for await (const { text } of requests) yield { text: text.toUpperCase() };
 *   },
 * });
 * const port = await server.listen({ port: 50051 });
 * await server.shutdown({ graceMs: 5_000 });
 * ```
 */
export class GrpcServer {
  readonly #raw: RawServer;
  readonly #options: GrpcServerOptions;
  readonly #draining = new AbortController();
  readonly #open = new Set<ServerCall>();
  /** Calls of services added raw that asked to be ended with their connection. */
  readonly #rawCalls = new Set<
    { transport: EventEmitter & Transport | undefined; end: (status: GrpcError) => void }
  >();
  /** The HTTP/2 servers whose sessions are limited already. */
  readonly #watched = new WeakSet<object>();

  constructor(options: GrpcServerOptions = {}) {
    applyDenoPatches();
    this.#options = options;
    this.#raw = new RawServer({ ...SERVER_DEFAULTS, ...options.options });
  }

  /**
   * The underlying grpc-js server, for services written for grpc-js (such as
   * `grpc-health-check` or `@grpc/reflection`'s `addToServer`).
   */
  get raw(): RawServer {
    return this.#raw;
  }

  /**
   * Aborts when {@linkcode shutdown} begins, with an `UNAVAILABLE`
   * {@linkcode GrpcError} as its reason: long-lived handlers should end then.
   */
  get draining(): AbortSignal {
    return this.#draining.signal;
  }

  /** Serves `service` with `implementation`. */
  add<M extends Methods>(
    service: LoadedService<M>,
    implementation: ServiceImplementation<M>,
  ): this {
    this.#raw.addService(
      preserialized(service),
      adapt(service, implementation, this.#options, this.#open),
    );
    return this;
  }

  /** Starts listening; resolves to the bound port (the chosen one if `port` is 0). */
  async listen(options: ListenOptions = {}): Promise<number> {
    const { host = "localhost", port = 0, credentials = Credentials.createInsecure() } = options;
    const bound = await new Promise<number>((resolve, reject) => {
      this.#raw.bindAsync(hostPort(host, port), credentials, (error, bound) => {
        if (error) reject(error);
        else resolve(bound);
      });
    });
    const ageMs = this.#options.maxConnectionAgeMs;
    const age = ageMs
      ? { ageMs, graceMs: this.#options.maxConnectionAgeGraceMs ?? 5_000 }
      : undefined;
    const handshakeMs = this.#options.handshakeTimeoutMs ?? 10_000;
    const onCallEnd = this.#options.onCallEnd;
    for (const http2Server of http2ServersOf(this.#raw)) {
      if (this.#watched.has(http2Server)) continue;
      this.#watched.add(http2Server);
      if (onCallEnd) {
        http2Server.on(
          "stream",
          (stream: ServerHttp2Stream, headers: Record<string, unknown>) =>
            reportUnseen(stream, headers, onCallEnd),
        );
      }
      http2Server.on("tlsClientError", (error: Error, socket: PeerSocket) => {
        this.#options.onHandshakeFailure?.({ peer: peerOf(socket), reason: error.message });
      });
      http2Server.on("session", (session: ServerHttp2Session) => {
        limitHandshake(session, handshakeMs);
        if (age) limitAge(session, age, (aged) => this.#endCallsOn(aged));
      });
    }
    return bound;
  }

  /**
   * Lets the server end a long-lived call of a service added on {@linkcode raw}
   * (a health watch) when its connection reaches its maximum age, as it ends
   * its own calls: `end` sends the status. Returns a function that forgets it.
   *
   * @example
   * ```ts ignore
   * const forget = server.endWhenAged(call, (status) => call.emit("error", status));
   * call.on("cancelled", forget);
   * ```
   */
  endWhenAged(call: AnyCall, end: (status: GrpcError) => void): () => void {
    const entry = { transport: transportOf(call) as EventEmitter & Transport | undefined, end };
    this.#rawCalls.add(entry);
    return () => this.#rawCalls.delete(entry);
  }

  /** Ends the calls open on `session` with UNAVAILABLE; resolves once their statuses are out. */
  async #endCallsOn(session: unknown): Promise<void> {
    const aged = new GrpcError(Status.UNAVAILABLE, "the connection reached its maximum age");
    const ended: Promise<void>[] = [];
    for (const raw of this.#rawCalls) {
      if (raw.transport?.session !== session) continue;
      this.#rawCalls.delete(raw);
      ended.push(closeOf(raw.transport));
      raw.end(aged);
    }
    for (const call of this.#open) if (call.session === session) ended.push(call.end(aged));
    await within(STATUS_FLUSH_MS, Promise.all(ended), undefined);
  }

  /**
   * Stops accepting calls and aborts {@linkcode draining}; open calls may
   * finish within `graceMs` (default 5,000). Calls still open then end with
   * `UNAVAILABLE: the server is shutting down`, as gRPC servers do, and the
   * connections close. Resolves to whether any call had to be ended so.
   */
  async shutdown(options: { graceMs?: number } = {}): Promise<{ forced: boolean }> {
    const unavailable = new GrpcError(Status.UNAVAILABLE, "the server is shutting down");
    this.#draining.abort(unavailable);
    const graceful = new Promise<boolean>((resolve) => this.#raw.tryShutdown(() => resolve(false)));
    const forced = await within(options.graceMs ?? 5_000, graceful, true);
    if (forced) {
      const ended = Promise.all([...this.#open].map((call) => call.end(unavailable)));
      await within(STATUS_FLUSH_MS, ended, undefined);
      const connections = connectionsOf(this.#raw);
      this.#raw.forceShutdown();
      for (const connection of connections) connection.destroy();
    }
    return { forced };
  }
}
