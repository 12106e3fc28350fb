/**
 * Every read of grpc-js's internals, in one place: how a server call reaches
 * its HTTP/2 stream, a server's HTTP/2 servers and their sessions, and how
 * it creates those servers.
 * `grpc_internals_test.ts` checks these shapes against the grpc-js in use,
 * so that an upgrade that changes them fails that test, naming the shape,
 * rather than quietly turning features off. (The response write overlap,
 * `../deno/write_overlap.ts`, also relies on grpc-js's response streams
 * writing through `_write` with no `_writev` of their own; the test checks
 * that too.)
 *
 * Checked against grpc-js 1.14.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import type { WriteTarget } from "../deno/write_overlap.ts";

/** The HTTP/2 stream under a call, as lib/ reads it. */
export interface Transport extends WriteTarget, EventEmitter {
  closed?: boolean;
  /** The HTTP/2 session (connection) the stream is on. */
  session?: unknown;
}

/**
 * One of grpc-js's layers under a server call: interceptors, each with the
 * next layer, down to the one holding the HTTP/2 stream.
 */
export interface Layer {
  stream?: Transport;
  nextCall?: Layer;
}

/** The first layer under a grpc-js server call (its `call` field). */
export function layerUnder(call: object): Layer | undefined {
  return (call as { call?: Layer }).call;
}

/**
 * The HTTP/2 stream under a grpc-js server call, through any interceptors;
 * `undefined` if grpc-js's internals do not lead to one.
 */
export function transportOf(call: object): Transport | undefined {
  let layer = layerUnder(call);
  for (let depth = 0; layer && depth < 8; depth++, layer = layer.nextCall) {
    if (layer.stream) return layer.stream;
  }
  return undefined;
}

/**
 * The HTTP/2 stream right under a grpc-js server call, if the call has no
 * interceptors (from the server's options or its credentials) between them.
 */
export function directTransportOf(call: object): Transport | undefined {
  return layerUnder(call)?.stream;
}

type Http2Servers = Map<EventEmitter, { sessions?: Set<{ destroy(): void }> }>;

function http2Servers(server: object): Http2Servers {
  return (server as unknown as { http2Servers?: Http2Servers }).http2Servers ?? new Map();
}

/** The `node:http2` servers a grpc-js server listens with, one per bound address. */
export function http2ServersOf(server: object): EventEmitter[] {
  return [...http2Servers(server).keys()];
}

/**
 * The open connections of a grpc-js server (the sessions it keeps per HTTP/2
 * server, as its own `drain` reads them).
 */
export function connectionsOf(server: object): Array<{ destroy(): void }> {
  return [...http2Servers(server).values()].flatMap((entry) => [...entry.sessions ?? []]);
}

/** grpc-js's own creation of an HTTP/2 server for one bound address. */
export type CreateHttp2Server = (credentials: object) => EventEmitter;

/**
 * Has a grpc-js server create each of its HTTP/2 servers through `wrap`,
 * given the credentials and grpc-js's own creation. Returns whether grpc-js
 * still creates them through `createHttp2Server`; if not, it creates them
 * unwrapped.
 */
export function wrapHttp2ServerCreation(
  server: object,
  wrap: (credentials: object, create: CreateHttp2Server) => EventEmitter,
): boolean {
  const target = server as { createHttp2Server?: CreateHttp2Server };
  const own = target.createHttp2Server;
  if (typeof own !== "function") return false;
  target.createHttp2Server = (credentials) => wrap(credentials, (given) => own.call(server, given));
  return true;
}

/** The part of grpc-js's server credentials that become the TLS server's options. */
interface ConstructorOptions {
  _getConstructorOptions(): Record<string, unknown> | null;
}

/**
 * `credentials` with more options for the `node:tls` server grpc-js makes
 * from them; insecure credentials as they are.
 */
export function withTlsServerOptions<C extends object>(
  credentials: C,
  options: Record<string, unknown>,
): C {
  const own = (credentials as unknown as ConstructorOptions)._getConstructorOptions?.();
  if (!own) return credentials;
  return Object.assign(Object.create(credentials), {
    _getConstructorOptions: () => ({ ...own, ...options }),
  });
}
