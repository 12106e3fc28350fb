/**
 * The gRPC server: typed handlers served over grpc-js, its connections
 * limited in age and handshake time, and a graceful shutdown that ends the
 * calls still open when the grace period is over.
 *
 * @module
 */
import {
  Server as GrpcJsServer,
  ServerCredentials as GrpcServerCredentials,
  type ServerOptions as GrpcServerOptionsOfGrpcJs,
  type ServiceDefinition as GrpcServiceDefinition,
} from "@grpc/grpc-js";
import type { EventEmitter } from "node:events";
import type { ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Server, Socket } from "node:net";
import { hostPort } from "../address.ts";
import { reportUnseen } from "./call_reports.ts";
import { limitAge, limitHandshake } from "./connections.ts";
import { closeAtDeadline, takeLongDeadline } from "./long_deadlines.ts";
import {
  admitConnections,
  connectionLimit,
  openFileLimit,
  USUAL_OPEN_FILE_LIMIT,
} from "./open_files.ts";
import { applyCompressedFlagCheck } from "../grpc_js/compressed_flag.ts";
import { keepAccepting } from "../deno/accept_restart.ts";
import {
  DEFAULT_UNREAD_LIMITS,
  type UnreadExcess,
  type UnreadLimits,
  UnreadRequests,
} from "../deno/unread_requests.ts";
import { refuseUnauthorized, tlsServerCredentials } from "../deno/client_certificate_check.ts";
import { applyDenoPatches } from "../deno/patches.ts";
import { peerOf, type PeerSocket } from "../deno/peer_address.ts";
import { grpcImplementation, preserialized } from "./dispatch.ts";
import { GrpcError } from "../error.ts";
import {
  connectionsOf,
  type CreateHttp2Server,
  type Transport,
  transportOf,
  withTlsServerOptions,
  wrapHttp2ServerCreation,
} from "../grpc_js/grpc_internals.ts";
import type { RawServer, ServerCredentials, ServerOptions } from "../grpc_js/grpc_types.ts";
import type { CallHooks, ServiceImplementation } from "./handler.ts";
import type { LoadedService, Methods } from "../wire/service.ts";
import { closeOf, type ServerCall } from "./server_call.ts";
import { Status } from "../status.ts";
import { within } from "../timing.ts";

/** Options of a {@linkcode GrpcServer}. */
export interface GrpcServerOptions extends CallHooks {
  /**
   * grpc-js server options (`grpc.max_receive_message_length`, …). Channelz
   * is off unless `grpc.enable_channelz` is given and not 0.
   */
  options?: ServerOptions;
  /**
   * Bytes of streaming responses a connection may hold unsent before the
   * handlers writing them wait (default 1 MiB). Deno 2.8.3's `node:http2`
   * does not hold writes back by HTTP/2 flow control, so without this a
   * client that stops reading would grow the server's memory without bound.
   * Streams of the connection that still flow while others' readers stopped
   * write on (`lib/deno/stuck_streams.ts`).
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
   * How long a new connection may take to finish its TLS handshake, and then
   * to send its HTTP/2 preface, before it is closed (default 10,000 ms each).
   */
  handshakeTimeoutMs?: number;
  /**
   * Called when a client's TLS handshake fails (it does not trust the
   * server's certificate, speaks plaintext, or has no acceptable client
   * certificate), with its address and the reason.
   */
  onHandshakeFailure?: (failure: { peer: string; reason: string }) => void;
  /**
   * Connections held at once, at most; one more is closed as soon as it is
   * accepted, so that accepting never fails for want of a file (Deno 2.8.3's
   * `node:net` then stops accepting for good; `open_files.ts`). Default: nine
   * tenths of the open-file limit (`ulimit -n`) where the process may read it
   * (`--allow-all`), else of the usual 1,024: 921.
   */
  maxConnections?: number;
  /** Called when a connection over `maxConnections` is closed, with its address. */
  onConnectionRefused?: (refused: { peer: string; maxConnections: number }) => void;
  /**
   * Called when the server accepts again after its files ran out (a burst of
   * connections faster than those over `maxConnections` could be closed):
   * Deno 2.8.3 then stops accepting, and lib makes it start again within a
   * second (`accept_restart.ts`). `stalledMs`: how long nothing was accepted.
   */
  onAcceptingRestarted?: (restart: { stalledMs: number }) => void;
  /**
   * Requests held unread, at most, in bytes with 4,096 more for each HTTP/2
   * frame (what Deno's buffer costs): on a connection (default 96 MiB) and
   * on the server (default 384 MiB). Deno 2.8.3 takes a client's requests
   * whether or not the call reads them (`unread_requests.ts`); past a limit,
   * of the calls whose replies the client has not read for half a second, those
   * holding the most are ended with `RESOURCE_EXHAUSTED` and their streams
   * reset. A client that reads its replies is never cut.
   */
  maxUnread?: Partial<UnreadLimits>;
  /**
   * Listens with `SO_REUSEPORT`, so that other processes that do too can
   * listen on the same port, the kernel spreading connections among them
   * (Linux and FreeBSD). Default false.
   */
  reusePort?: boolean;
  /** Called for each connection the server holds, with how many it has taken so far. */
  onConnectionAccepted?: (accepted: number) => void;
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

/**
 * grpc-js keeps channelz statistics of every call unless told not to, for a
 * channelz service this server does not offer: per call an object with four
 * closures (0.35 KB of an idle stream's heap), and a clock read per message
 * each way. `grpc.enable_channelz: 1` in `options` turns it back on. Without
 * channelz, grpc-js 1.14's `forceShutdown` closes no connection (it closes
 * those channelz tracks): a forced shutdown closes them itself.
 */
const SERVER_DEFAULTS: ServerOptions = { "grpc.enable_channelz": 0 };

/** Has `server`'s `listen`, as grpc-js calls it with an address object, share the port. */
function listenSharing(server: Server): void {
  const listen = server.listen;
  server.listen = function (this: Server, address: unknown, ...rest: unknown[]) {
    const shared = typeof address === "object" && address !== null
      ? { ...address, reusePort: true }
      : address;
    return (listen as (...args: unknown[]) => Server).call(this, shared, ...rest);
  } as typeof server.listen;
}

/** The default of {@linkcode GrpcServerOptions.handshakeTimeoutMs}. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * How long a call's replies wait for the client to read them before its
 * unread requests count against `maxUnread`. A client that reads takes them
 * within milliseconds, but one kept off the CPU does not: with 250 ms, Go's
 * client pipelining the bench's fan-in was cut once in four runs of the
 * suite with every core kept busy. Meanwhile a client that never reads
 * grows the server: two connections of 100 such streams, by 88–101 MiB with
 * 250 ms, 107–119 with 500, 153–164 with 1,000 (and 205 once in CI).
 */
const UNREAD_REPLIES_MS = 500;

/** How long a forced shutdown waits for the statuses it sent to reach the wire. */
const STATUS_FLUSH_MS = 250;

/** A call of a service added raw, to end with its connection. */
interface RawCall {
  transport: Transport | undefined;
  end: (status: GrpcError) => void;
}

/** Per server, the calls of services added raw that asked to be ended with their connection. */
const rawCalls = new WeakMap<GrpcServer, Set<RawCall>>();

/**
 * Lets `server` end a long-lived call of a service added on its `raw` server
 * (a health watch) when its connection reaches its maximum age, as it ends
 * its own calls: `end` sends the status. Returns a function that forgets it.
 *
 * @example
 * ```ts ignore
 * const forget = endWhenAged(server, call, (status) => call.emit("error", status));
 * call.on("cancelled", forget);
 * ```
 */
export function endWhenAged(
  server: GrpcServer,
  call: object,
  end: (status: GrpcError) => void,
): () => void {
  let calls = rawCalls.get(server);
  if (!calls) rawCalls.set(server, calls = new Set());
  const entry = { transport: transportOf(call), end };
  calls.add(entry);
  return () => calls.delete(entry);
}

/**
 * A gRPC server that runs typed handlers: plain async functions for unary and
 * client-streaming methods, async generators for streaming responses.
 * Throwing a {@linkcode GrpcError} ends the call with its status; any other
 * error ends it with `INTERNAL` and is reported to `onUnexpectedError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcServer, loadService, unary } from "../mod.ts";
 * const Echo = loadService(new URL("../../tests/fixtures/echo.proto", import.meta.url), {
 *   name: "echo.Echo",
 *   methods: { Say: unary<{ text: string }, { text: string }>() },
 * });
 * const server = new GrpcServer().add(Echo, {
 *   Say: ({ text }) => ({ text: text.toUpperCase() }),
 * });
 * const port = await server.listen({ port: 0 });
 * assert.ok(port > 0);
 * assert.deepEqual(await server.shutdown({ graceMs: 5_000 }), { forced: false });
 * ```
 */
export class GrpcServer {
  readonly #raw: GrpcJsServer;
  readonly #options: GrpcServerOptions;
  readonly #draining = new AbortController();
  readonly #open = new Set<ServerCall>();
  readonly #maxConnections: number;
  /** Connections held now, on every address. */
  #connections = 0;
  /** Connections held since the start. */
  #accepted = 0;
  readonly #unread: UnreadRequests;

  /** A server with no services yet, not listening. */
  constructor(options: GrpcServerOptions = {}) {
    applyDenoPatches();
    applyCompressedFlagCheck();
    this.#options = options;
    this.#maxConnections = options.maxConnections ??
      connectionLimit(openFileLimit() ?? USUAL_OPEN_FILE_LIMIT);
    this.#unread = new UnreadRequests(
      { ...DEFAULT_UNREAD_LIMITS, ...options.maxUnread },
      {
        onReset: (stream, excess) => this.#endUnread(stream, excess),
        unreadReplies: () => this.#streamsNotRead(),
      },
    );
    this.#raw = new GrpcJsServer(
      { ...SERVER_DEFAULTS, ...options.options } as GrpcServerOptionsOfGrpcJs,
    );
    wrapHttp2ServerCreation(
      this.#raw,
      (credentials, create) => this.#equip(create, credentials),
    );
  }

  /**
   * Makes, through grpc-js's `create`, the HTTP/2 server of one bound
   * address, with every limit and report of this server on it from the start.
   */
  #equip(create: CreateHttp2Server, credentials: object): EventEmitter {
    const options = this.#options;
    const handshakeMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    // A TLS handshake gets as long as an HTTP/2 preface (node:tls's own
    // default is 120 s, for a connection that may never send a byte).
    const tls = withTlsServerOptions(tlsServerCredentials(credentials), {
      handshakeTimeout: handshakeMs,
    });
    const http2Server = create(tls);
    if (options.reusePort) listenSharing(http2Server as Server);
    // Before grpc-js's own listener, which reads grpc-timeout.
    http2Server.prependListener(
      "stream",
      (stream: ServerHttp2Stream, headers: Record<string, unknown>) => {
        takeLongDeadline(stream, headers);
        closeAtDeadline(stream);
        this.#unread.watch(stream);
      },
    );
    const onHandshakeFailure = (peer: string, reason: string) =>
      options.onHandshakeFailure?.({ peer, reason });
    refuseUnauthorized(http2Server, credentials, (socket, reason) => {
      onHandshakeFailure(peerOf(socket as PeerSocket), reason);
    });
    http2Server.on("tlsClientError", (error: Error, socket: PeerSocket) => {
      onHandshakeFailure(peerOf(socket), error.message);
    });
    admitConnections(http2Server, (socket) => this.#admit(socket as PeerSocket & Socket));
    keepAccepting(http2Server as Server, {
      onRestarted: (stalledMs) => options.onAcceptingRestarted?.({ stalledMs }),
    });
    const onCallEnd = options.onCallEnd;
    if (onCallEnd) {
      http2Server.on(
        "stream",
        (stream: ServerHttp2Stream, headers: Record<string, unknown>) =>
          reportUnseen(stream, headers, onCallEnd),
      );
    }
    const ageMs = options.maxConnectionAgeMs;
    const age = ageMs ? { ageMs, graceMs: options.maxConnectionAgeGraceMs ?? 5_000 } : undefined;
    http2Server.on("session", (session: ServerHttp2Session) => {
      limitHandshake(session, handshakeMs);
      if (age) limitAge(session, age, (aged) => this.#endCallsOn(aged));
    });
    return http2Server;
  }

  /**
   * The underlying grpc-js server, for services written for grpc-js: pass it
   * where they call `addService` (as `@grpc/reflection`'s `addToServer` does).
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
      preserialized(service) as GrpcServiceDefinition,
      grpcImplementation(service, implementation, this.#options, this.#open),
    );
    return this;
  }

  /** Starts listening; resolves to the bound port (the chosen one if `port` is 0). */
  async listen(options: ListenOptions = {}): Promise<number> {
    const { host = "localhost", port = 0 } = options;
    const credentials =
      (options.credentials ?? GrpcServerCredentials.createInsecure()) as GrpcServerCredentials;
    const bound = await new Promise<number>((resolve, reject) => {
      this.#raw.bindAsync(hostPort(host, port), credentials, (error, bound) => {
        if (error) reject(error);
        else resolve(bound);
      });
    });
    return bound;
  }

  /** Whether to hold `socket`'s connection: not if the server holds as many as it may. */
  #admit(socket: PeerSocket & Socket): boolean {
    const max = this.#maxConnections;
    if (this.#connections >= max) {
      this.#options.onConnectionRefused?.({ peer: peerOf(socket), maxConnections: max });
      return false;
    }
    this.#connections++;
    socket.once("close", () => this.#connections--);
    this.#options.onConnectionAccepted?.(++this.#accepted);
    return true;
  }

  /** The streams of calls whose replies have waited for the client longer than {@linkcode UNREAD_REPLIES_MS}. */
  #streamsNotRead(): Set<unknown> {
    const since = performance.now() - UNREAD_REPLIES_MS;
    const streams = new Set<unknown>();
    for (const call of this.#open) {
      const waiting = call.waitingForPeerSince;
      if (waiting !== undefined && waiting <= since) streams.add(call.transport);
    }
    return streams;
  }

  /** Ends the lib call on `stream`, if any, before the stream is reset for what it holds unread. */
  #endUnread(stream: unknown, { held, limit, scope }: UnreadExcess): void {
    const where = scope === "connection" ? "on its connection" : "on the server";
    const error = new GrpcError(
      Status.RESOURCE_EXHAUSTED,
      `${held} bytes of requests held unread ${where}, over the limit of ${limit}: ` +
        "the client sends while it does not read the replies",
    );
    for (const call of this.#open) if (call.transport === stream) void call.terminate(error);
  }

  /** Ends the calls open on `session` with UNAVAILABLE; resolves once their statuses are out. */
  async #endCallsOn(session: unknown): Promise<void> {
    const aged = new GrpcError(Status.UNAVAILABLE, "the connection reached its maximum age");
    const ended: Promise<void>[] = [];
    const raws = rawCalls.get(this) ?? new Set();
    for (const raw of raws) {
      if (raw.transport?.session !== session) continue;
      raws.delete(raw);
      ended.push(closeOf(raw.transport));
      raw.end(aged);
    }
    for (const call of this.#open) if (call.session === session) ended.push(call.terminate(aged));
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
      const ended = Promise.all([...this.#open].map((call) => call.terminate(unavailable)));
      await within(STATUS_FLUSH_MS, ended, undefined);
      const connections = connectionsOf(this.#raw);
      this.#raw.forceShutdown();
      for (const connection of connections) connection.destroy();
    }
    this.#unread.stop();
    return { forced };
  }
}
