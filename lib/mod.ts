/**
 * gRPC for Deno as promises and async iterables, over grpc-js: typed clients
 * and servers for all four call kinds, with cancellation (`AbortSignal`),
 * deadlines, flow control, one error class carrying a status code, and
 * retries and resumable streams for calls that must ride through a server's
 * restart.
 *
 * The proto is loaded at run time; the spec gives TypeScript the message
 * types, and {@linkcode loadService} checks each method's kind against the
 * proto.
 *
 * @example An echo service, served and called
 * ```ts
 * import assert from "node:assert/strict";
 * import { bidiStreaming, createChannel, createClient, GrpcServer, loadService } from "./mod.ts";
 *
 * type Message = { text: string; count: number };
 *
 * const Echo = loadService(new URL("../tests/fixtures/echo.proto", import.meta.url), {
 *   name: "echo.Echo",
 *   methods: { Chat: bidiStreaming<Message, Message>() },
 * });
 *
 * const server = new GrpcServer().add(Echo, {
 *   async *Chat(requests) {
 *     for await (const { text, count } of requests) yield { text: text.toUpperCase(), count };
 *   },
 * });
 * const port = await server.listen({ port: 0 });
 *
 * const channel = createChannel(`localhost:${port}`);
 * const echo = createClient(Echo, channel);
 * const replies = await Array.fromAsync(echo.Chat([{ text: "hi", count: 1 }], { timeout: 5_000 }));
 * assert.deepEqual(replies, [{ text: "HI", count: 1 }]);
 * channel.close();
 * await server.shutdown({ graceMs: 5_000 });
 * ```
 *
 * | call kind        | client side                                  | server handler                               |
 * | ---------------- | -------------------------------------------- | -------------------------------------------- |
 * | unary            | `(request, options?) => Promise<Res>`        | `(request, context) => Res \| Promise<Res>`  |
 * | client streaming | `(requests, options?) => Promise<Res>`       | `(requests, context) => Res \| Promise<Res>` |
 * | server streaming | `(request, options?) => AsyncIterable<Res>`  | `(request, context) => AsyncIterable<Res>`   |
 * | bidi streaming   | `(requests, options?) => AsyncIterable<Res>` | `(requests, context) => AsyncIterable<Res>`  |
 *
 * - **Requests** are any iterable, sync or async, written as fast as the
 *   transport takes them; the iterable's end half-closes the call. An error
 *   it throws cancels the call and is rethrown to the caller as is.
 * - **Responses** of streaming calls are async iterables that start the call
 *   when iterated; leaving the loop early cancels the call.
 * - **Options** of every call ({@linkcode CallOptions}): `signal`,
 *   `deadline`, `timeout`, `metadata`, and `onHeader` / `onTrailer`.
 * - **Errors** are one class on both sides: {@linkcode GrpcError}, with
 *   `code` ({@linkcode Status}), `details` and `metadata`. A handler that
 *   throws one ends the call with its status; any other exception ends it
 *   with `INTERNAL: internal error` and goes to the server's
 *   `onUnexpectedError`.
 * - **The handler's context** ({@linkcode CallContext}): `signal` (aborts,
 *   with a `GrpcError` as its reason, when the client cancels or the
 *   deadline passes), `deadline`, `metadata`, `peer`, `peerCertificate`
 *   (under mutual TLS), `method`, `sendHeader()` and `trailer`.
 * - **Shutdown**: `server.shutdown({ graceMs })` stops accepting calls,
 *   aborts `server.draining`, lets open calls finish within the grace period,
 *   then ends the rest with `UNAVAILABLE`.
 * - **Memory**: a server streaming to a client that stops reading holds at
 *   most `maxUnsentBytes` (1 MiB) unsent per connection before its handler
 *   is asked for more, while the connection's other streams, read, go on;
 *   channels keep at most 16 KiB of a call's messages for grpc-js's retries.
 * - **Retries and resumable streams**: {@linkcode retrying} repeats a call
 *   that fails with `UNAVAILABLE` (or as `retryable` says), with backoff, for
 *   up to `retryForMs`; {@linkcode resumable} runs a stream in which each
 *   request gets one response, resending the unanswered ones on a new
 *   attempt (the server must recognise a resent request); a
 *   {@linkcode Failover} moves such attempts from server to server.
 * - **Messages** are plain objects, as proto-loader makes them: field names
 *   as in the proto, 64-bit integers as strings, enums by name, defaults
 *   filled in. A map with 64-bit or bool keys does not survive a round trip:
 *   protobufjs turns such keys into 8-byte hash strings and encodes those as
 *   0 (protobufjs issues 1203 and 1652; fixed upstream by pull request 2186,
 *   but the 7.6.6 that proto-loader 0.8.1 brings here still has it). Key such
 *   maps by `string` or a 32-bit integer.
 *
 * Health checking (`./server/health.ts`) and server reflection (`./server/reflection.ts`)
 * are modules of their own, so that only servers that serve them load their
 * packages.
 *
 * @module
 */
export { Backoff, type BackoffOptions, sleep } from "./resuming/backoff.ts";
export {
  type CallOptions,
  type Client,
  type ClientMethod,
  createChannel,
  type CreateChannelOptions,
  createClient,
} from "./client/client.ts";
export { GrpcError, type GrpcErrorOptions, isGrpcError } from "./error.ts";
export { Failover, type FailoverOptions } from "./client/failover.ts";
export type {
  Channel,
  ChannelCredentials,
  ChannelOptions,
  LoaderOptions,
  MethodDefinition,
  RawServer,
  ServerCredentials,
  ServerOptions,
  ServiceDefinition,
} from "./grpc_js/grpc_types.ts";
export type {
  CallContext,
  CallHooks,
  CallSummary,
  Handler,
  PeerCertificate,
  ServiceImplementation,
} from "./server/handler.ts";
export { Inbox, type InboxOptions, type Producer } from "./flow/inbox.ts";
export { INT32_MAX, INT32_MIN, INT32_RANGE, isInt32 } from "./int32.ts";
export { Metadata, type MetadataInit, type MetadataValue } from "./metadata.ts";
export { pipelined, type PipelinedOptions } from "./server/pipelined.ts";
export { ReplayBuffer, type ReplayBufferOptions } from "./resuming/replay.ts";
export {
  type Attempt,
  resumable,
  ResumableCall,
  type ResumableOptions,
} from "./resuming/resumable.ts";
export {
  isRetryable,
  type RetryEvent,
  retrying,
  type RetryOptions,
  RetryPolicy,
} from "./resuming/retry.ts";
export { GrpcServer, type GrpcServerOptions, type ListenOptions } from "./server/server.ts";
export type { UnreadLimits } from "./deno/unread_requests.ts";
export {
  type AnyMethod,
  bidiStreaming,
  clientStreaming,
  type LoadedService,
  loadService,
  type Method,
  type MethodKind,
  type Methods,
  type RequestOf,
  type ResponseOf,
  serverStreaming,
  type ServiceSpec,
  type Source,
  unary,
} from "./wire/service.ts";
export { Status, statusName } from "./status.ts";
export {
  channelCredentials,
  type ChannelTlsOptions,
  type Pem,
  serverCredentials,
  type ServerTlsOptions,
  TlsOptionsError,
} from "./tls.ts";
