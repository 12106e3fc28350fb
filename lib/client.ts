import {
  type Channel,
  type ChannelCredentials,
  type ChannelOptions,
  Client as RawClient,
  type ClientReadableStream,
  credentials,
  type Metadata,
  type MethodDefinition,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import { Channel as GrpcChannel } from "@grpc/grpc-js";
import type { Writable } from "node:stream";
import { applyDenoPatches } from "./deno/patches.ts";
import { errorFromStatus, GrpcError } from "./error.ts";
import { Inbox } from "./inbox.ts";
import { type MetadataInit, toMetadata } from "./metadata.ts";
import type { LoadedService, Method, MethodKind, Methods, Source } from "./service.ts";
import { Status } from "./status.ts";
import { inboxFrom, writeAll } from "./streams.ts";

export type { Channel };

/** Options of one call. */
export interface CallOptions {
  /** Aborting it cancels the call; the call then fails with `CANCELLED`. */
  signal?: AbortSignal;
  /** The call fails with `DEADLINE_EXCEEDED` if not finished by then. */
  deadline?: Date;
  /** Milliseconds from now; the earlier of `deadline` and `timeout` applies. */
  timeout?: number;
  /** Request metadata (headers). */
  metadata?: MetadataInit;
  /** Receives the response headers, if the server sends any. */
  onHeader?: (metadata: Metadata) => void;
  /** Receives the response trailers, with the status. */
  onTrailer?: (metadata: Metadata) => void;
}

/** The client-side function for one method, by its kind. */
export type ClientMethod<M> = M extends Method<"unary", infer Req, infer Res>
  ? (request: Req, options?: CallOptions) => Promise<Res>
  : M extends Method<"clientStreaming", infer Req, infer Res>
    ? (requests: Source<Req>, options?: CallOptions) => Promise<Res>
  : M extends Method<"serverStreaming", infer Req, infer Res>
    ? (request: Req, options?: CallOptions) => AsyncIterable<Res>
  : M extends Method<"bidiStreaming", infer Req, infer Res>
    ? (requests: Source<Req>, options?: CallOptions) => AsyncIterable<Res>
  : never;

/** A typed client: one function per method of the service. */
export type Client<M extends Methods> = { readonly [K in keyof M]: ClientMethod<M[K]> };

/** Options of {@linkcode createChannel}. */
export interface CreateChannelOptions {
  /** Default: plaintext (`credentials.createInsecure()`). */
  credentials?: ChannelCredentials;
  /** grpc-js channel options (`grpc.keepalive_time_ms`, …). */
  options?: ChannelOptions;
}

/**
 * grpc-js keeps every message a call sends, up to 1 MiB, until the server's
 * first reply, so that it could retry the call; it then drops them one by one
 * with a copy of the rest each time. Tens of thousands of small messages
 * streamed before a reply made each send cost more than the last (200,000
 * numbers: 4,600 messages/s instead of 30,000+). 16 KiB still holds a unary
 * or short call for a retry policy, if the channel has one.
 */
const CHANNEL_DEFAULTS: ChannelOptions = { "grpc.per_rpc_retry_buffer_size": 16 * 1024 };

/**
 * Opens a channel (a managed set of connections) to `address`, `host:port`.
 * Connects lazily, on the first call. Close it with `channel.close()`. A
 * loopback address (`localhost`, `127.x.x.x`, `::1`) bypasses any HTTP proxy
 * the environment names, unless `options` set `grpc.enable_http_proxy`.
 *
 * @example
 * ```ts
 * import { createChannel } from "./client.ts";
 * const channel = createChannel("localhost:50051");
 * channel.close();
 * ```
 */
export function createChannel(address: string, options: CreateChannelOptions = {}): Channel {
  applyDenoPatches();
  return new GrpcChannel(
    address,
    options.credentials ?? credentials.createInsecure(),
    { ...CHANNEL_DEFAULTS, ...(isLoopback(address) ? NO_PROXY : {}), ...options.options },
  );
}

/**
 * A loopback target never goes through an HTTP proxy, as with grpc-go: a
 * proxy cannot reach this machine's loopback, and grpc-js would send it there
 * whenever `http_proxy` or `https_proxy` is set.
 */
const NO_PROXY: ChannelOptions = { "grpc.enable_http_proxy": 0 };

function isLoopback(address: string): boolean {
  const host = address.replace(/^dns:(\/\/[^/]*\/)?/, "").replace(/:\d+$/, "").replace(
    /^\[(.*)\]$/,
    "$1",
  );
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A typed client for `service` over `channel`. Unary and client-streaming
 * methods return a Promise; server-streaming and bidi methods return an
 * AsyncIterable that starts the call when iterated. Streaming requests are
 * written as the peer's flow control allows; the end of the request iterable
 * half-closes the call; leaving a response loop early cancels the call.
 * Failures are {@linkcode GrpcError}s, except an error thrown by a request
 * iterable, which cancels the call and is rethrown as is.
 *
 * @example
 * ```ts ignore
 * const channel = createChannel("localhost:50051");
 * const chat = createClient(ChatService, channel);
 * for await (const reply of chat.Talk([{ text: "hi" }], { timeout: 5_000 })) {
 *   console.log(reply.text);
 * }
 * channel.close();
 * ```
 */
export function createClient<M extends Methods>(
  service: LoadedService<M>,
  channel: Channel,
): Client<M> {
  applyDenoPatches();
  const raw = new RawClient(channel.getTarget(), credentials.createInsecure(), {
    channelOverride: channel,
  });
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service.methods)) {
    client[name] = caller(raw, service.definition[name], method.kind);
  }
  return client as Client<M>;
}

type Definition = MethodDefinition<unknown, unknown>;
type Callback = (error: ServiceError | null, response?: unknown) => void;

function caller(raw: RawClient, def: Definition, kind: MethodKind) {
  const { path, requestSerialize: serialize, responseDeserialize: deserialize } = def;
  switch (kind) {
    case "unary":
      return (request: unknown, options: CallOptions = {}) =>
        responseOf(options, undefined, (metadata, callOptions, callback) =>
          raw.makeUnaryRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
            callback,
          ));
    case "clientStreaming":
      return (requests: Source<unknown>, options: CallOptions = {}) =>
        responseOf(
          options,
          requests,
          (metadata, callOptions, callback) =>
            raw.makeClientStreamRequest(
              path,
              serialize,
              deserialize,
              metadata,
              callOptions,
              callback,
            ),
        );
    case "serverStreaming":
      return (request: unknown, options: CallOptions = {}) =>
        responsesOf(options, undefined, (metadata, callOptions) =>
          raw.makeServerStreamRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
          ));
    case "bidiStreaming":
      return (requests: Source<unknown>, options: CallOptions = {}) =>
        responsesOf(
          options,
          requests,
          (metadata, callOptions) =>
            raw.makeBidiStreamRequest(path, serialize, deserialize, metadata, callOptions),
        );
  }
}

/** The parts of a grpc-js client call that every kind has. */
interface RawCall {
  cancel(): void;
  on(event: "metadata", listener: (metadata: Metadata) => void): this;
  on(event: "status", listener: (status: StatusObject) => void): this;
}

/** A call whose requests are written by `writeAll`. */
type WritableCall = RawCall & Writable;

/**
 * Cancels a call. grpc-js opens a call's HTTP/2 stream a few microtasks after
 * the call starts, and a cancel before then never reaches the stream, which
 * then stays open on the server; by the next macrotask the stream exists, and
 * cancelling again resets it.
 */
function cancelCall(call: RawCall): void {
  call.cancel();
  setTimeout(() => call.cancel(), 0);
}

function callOptionsOf(options: CallOptions): { deadline?: Date } {
  const { deadline, timeout } = options;
  if (timeout === undefined) return { deadline };
  const fromTimeout = new Date(Date.now() + timeout);
  return { deadline: deadline && deadline < fromTimeout ? deadline : fromTimeout };
}

function cancelledBeforeStart(signal: AbortSignal): GrpcError {
  return new GrpcError(Status.CANCELLED, "cancelled before the call started", {
    cause: signal.reason,
  });
}

/**
 * Wires what every call shares: headers and trailers to the caller's hooks,
 * the abort signal to `cancel`, and the requests, if any, to the call.
 * `settled` must be called when the call ends; it returns the error a
 * request iterable threw, if one did.
 */
function attach(call: RawCall, options: CallOptions, requests: Source<unknown> | undefined) {
  const { signal, onHeader, onTrailer } = options;
  if (onHeader) call.on("metadata", onHeader);
  if (onTrailer) call.on("status", (status) => onTrailer(status.metadata));
  const cancel = () => cancelCall(call);
  signal?.addEventListener("abort", cancel);
  let writing: AbortController | undefined;
  let requestError: unknown;
  if (requests) {
    const writable = call as WritableCall;
    writing = new AbortController();
    const stopped = writing.signal;
    writeAll(writable, requests, stopped).then(
      () => stopped.aborted || writable.end(),
      (error) => {
        requestError = error;
        cancel();
      },
    );
  }
  return {
    stopWriting: () => writing?.abort(),
    settled(): unknown {
      writing?.abort();
      signal?.removeEventListener("abort", cancel);
      return requestError;
    },
  };
}

function responseOf<Res>(
  options: CallOptions,
  requests: Source<unknown> | undefined,
  start: (metadata: Metadata, callOptions: { deadline?: Date }, callback: Callback) => RawCall,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(cancelledBeforeStart(options.signal));
    const call = start(toMetadata(options.metadata), callOptionsOf(options), (error, response) => {
      const requestError = wiring.settled();
      if (requestError !== undefined) reject(requestError);
      else if (error) reject(errorFromStatus(error));
      else resolve(response as Res);
    });
    const wiring = attach(call, options, requests);
  });
}

function responsesOf<Res>(
  options: CallOptions,
  requests: Source<unknown> | undefined,
  start: (metadata: Metadata, callOptions: { deadline?: Date }) => ClientReadableStream<Res>,
): AsyncIterable<Res> {
  let iterated = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<Res> {
      if (iterated) throw new Error("the responses of a call can be iterated only once");
      iterated = true;
      if (options.signal?.aborted) {
        const inbox = new Inbox<Res>();
        inbox.end(cancelledBeforeStart(options.signal));
        return inbox;
      }
      const call = start(toMetadata(options.metadata), callOptionsOf(options));
      const wiring = attach(call, options, requests);
      const inbox = inboxFrom<Res>(call, () => {
        wiring.stopWriting();
        cancelCall(call);
      });
      // The stream ends ('end') once its last message is taken; the status
      // comes separately. The iteration ends when both are in.
      let ended = false;
      let status: StatusObject | undefined;
      const finish = () => {
        if (!ended || !status) return;
        const requestError = wiring.settled();
        if (requestError !== undefined) inbox.end(requestError);
        else if (status.code !== Status.OK) inbox.end(errorFromStatus(status));
        else inbox.end();
      };
      call.on("end", () => {
        ended = true;
        finish();
      });
      call.on("status", (received) => {
        status = received;
        finish();
      });
      call.on("error", () => {}); // the same failure arrives as 'status'
      return inbox;
    },
  };
}
