/**
 * Typed clients: a channel to a server, and one function per method of a
 * service on it.
 *
 * @module
 */
import {
  Channel as GrpcChannel,
  type ChannelCredentials as GrpcChannelCredentials,
  type ChannelOptions as GrpcChannelOptions,
  Client as RawClient,
  credentials,
} from "@grpc/grpc-js";
import { caller } from "./client_calls.ts";
import { applyDenoPatches } from "../deno/patches.ts";
import { applyEarlyGoawayFix } from "../grpc_js/early_goaway.ts";
import type {
  Channel,
  ChannelCredentials,
  ChannelOptions,
  MethodDefinition,
} from "../grpc_js/grpc_types.ts";
import type { Metadata, MetadataInit } from "../metadata.ts";
import type { LoadedService, Method, Methods, Source } from "../wire/service.ts";

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
 * import assert from "node:assert/strict";
 * import { createChannel } from "./client.ts";
 * const channel = createChannel("localhost:50051"); // connects on the first call
 * assert.equal(channel.getTarget(), "dns:localhost:50051");
 * channel.close();
 * ```
 */
export function createChannel(address: string, options: CreateChannelOptions = {}): Channel {
  applyDenoPatches();
  applyEarlyGoawayFix();
  return new GrpcChannel(
    address,
    (options.credentials as GrpcChannelCredentials | undefined) ?? credentials.createInsecure(),
    {
      ...CHANNEL_DEFAULTS,
      ...(isLoopback(address) ? NO_PROXY : {}),
      ...options.options,
    } as GrpcChannelOptions,
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { createChannel, createClient, GrpcError, loadService, Status, unary } from "../mod.ts";
 * const Echo = loadService(new URL("../../tests/fixtures/echo.proto", import.meta.url), {
 *   name: "echo.Echo",
 *   methods: { Say: unary<{ text: string }, { text: string }>() },
 * });
 * // No server listens on a closed port: the call fails with UNAVAILABLE.
 * const channel = createChannel("localhost:1");
 * const echo = createClient(Echo, channel);
 * await assert.rejects(
 *   echo.Say({ text: "hi" }, { timeout: 5_000 }),
 *   (error) => error instanceof GrpcError && error.code === Status.UNAVAILABLE,
 * );
 * channel.close();
 * ```
 */
export function createClient<M extends Methods>(
  service: LoadedService<M>,
  channel: Channel,
): Client<M> {
  applyDenoPatches();
  applyEarlyGoawayFix();
  const raw = new RawClient(channel.getTarget(), credentials.createInsecure(), {
    channelOverride: channel as GrpcChannel,
  });
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service.methods)) {
    client[name] = caller(raw, service.definition[name] as MethodDefinition, method.kind);
  }
  return client as Client<M>;
}
