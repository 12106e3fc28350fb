/**
 * One call's life on the server: its context, whether its status has gone
 * out, and what ended it. grpc-js reports a client's cancel, a passed
 * deadline and a half-close in ways that overlap; this tells them apart, so
 * that a handler sees a cancelled call as an error, never as the end of its
 * requests, and reports every call once to the server's hooks.
 *
 * @module
 */
import { Metadata as GrpcMetadata, type sendUnaryData } from "@grpc/grpc-js";
import type { EventEmitter } from "node:events";
import { markReported } from "./call_reports.ts";
import { GrpcError } from "../error.ts";
import { type Transport, transportOf } from "../grpc_js/grpc_internals.ts";
import type { CallContext, CallHooks, PeerCertificate } from "./handler.ts";
import { at, longDeadlineOf } from "./long_deadlines.ts";
import type { Inbox } from "../flow/inbox.ts";
import { type Metadata, type MetadataInit, toMetadata } from "../metadata.ts";
import { Status } from "../status.ts";

/** A grpc-js server call of any kind, as far as lib/ uses it. */
export interface GrpcCall extends EventEmitter {
  readonly metadata: Metadata;
  readonly cancelled: boolean;
  getPath(): string;
  getPeer(): string;
  getDeadline(): Date | number;
  getAuthContext?(): { sslPeerCertificate?: PeerCertificate } | null;
  sendMetadata(metadata: GrpcMetadata): void;
}

/** Where a call with one response sends it, or its error status (grpc-js's callback). */
export type UnaryCallback = sendUnaryData<unknown>;

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

/** A call's {@linkcode CallContext}; what is rarely used is made on first use. */
class Context implements CallContext {
  readonly method: string;
  readonly metadata: Metadata;
  readonly deadline: Date | undefined;
  readonly #call: GrpcCall;
  readonly #state: ServerCall;
  #peer: string | undefined;

  constructor(call: GrpcCall, state: ServerCall) {
    this.#call = call;
    this.#state = state;
    this.method = call.getPath();
    this.metadata = call.metadata;
    const deadline = longDeadlineOf(transportOf(call)) ?? call.getDeadline();
    this.deadline = Number.isFinite(Number(deadline)) ? new Date(deadline) : undefined;
  }

  get peer(): string {
    return this.#peer ??= this.#call.getPeer();
  }

  get peerCertificate(): PeerCertificate | undefined {
    return this.#call.getAuthContext?.()?.sslPeerCertificate ?? undefined;
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

/** One call's life on the server: its context, and whether its status has gone out. */
export class ServerCall {
  readonly context: CallContext;
  readonly #call: GrpcCall;
  readonly #started: number;
  readonly #hooks: CallHooks;
  readonly #open: Set<ServerCall>;
  readonly #callback: UnaryCallback | undefined;
  // Made on first use: most calls never look at them.
  #controller: AbortController | undefined;
  #abortReason: GrpcError | undefined;
  #requests: Inbox<unknown> | undefined;
  #trailer: Metadata | undefined;
  #ended = false;
  #waitingForPeerSince: number | undefined;
  /** Cancels the deadline lib keeps, for one too long for grpc-js's timer. */
  #cancelDeadline: (() => void) | undefined;

  /**
   * `open` holds the server's unended calls. `callback` is grpc-js's, for
   * calls with one response: their error status goes to it; other calls send
   * theirs as an `error` event.
   */
  constructor(call: GrpcCall, hooks: CallHooks, open: Set<ServerCall>, callback?: UnaryCallback) {
    this.#call = call;
    this.#hooks = hooks;
    this.#open = open;
    this.#callback = callback;
    this.#started = hooks.onCallEnd ? performance.now() : 0;
    open.add(this);
    this.context = new Context(call, this);
    // Read now for the summary: once the client has gone, grpc-js says "unknown".
    if (hooks.onCallEnd) void this.context.peer;
    hooks.onCallStart?.({ method: this.context.method, peer: this.context.peer });
    // grpc-js also emits 'cancelled' after a call ends normally: only a
    // 'cancelled' before this side has sent its status is a cancellation.
    call.on("cancelled", () => this.#cancelled());
    if (call.cancelled) this.#cancelled();
    const long = longDeadlineOf(transportOf(call));
    if (long !== undefined) {
      this.#cancelDeadline = at(long, () => {
        this.terminate(new GrpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
      });
    }
  }

  /** Trailers to send with the status. */
  get trailer(): Metadata {
    return this.#trailer ??= new GrpcMetadata();
  }

  /** The trailers, if a handler touched them. */
  get trailerIfSet(): GrpcMetadata | undefined {
    return this.#trailer as GrpcMetadata | undefined;
  }

  /** The handler's signal (see {@linkcode CallContext.signal}). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Whether the call's status has been sent, or the call cancelled. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Waits for `peer`, a promise of the client taking the replies written,
   * and records since when: see {@linkcode waitingForPeerSince}.
   */
  async waitForPeer(peer: Promise<void>): Promise<void> {
    this.#waitingForPeerSince ??= performance.now();
    try {
      await peer;
    } finally {
      this.#waitingForPeerSince = undefined;
    }
  }

  /** Since when (`performance.now()`) its replies wait for the client to read, if they do. */
  get waitingForPeerSince(): number | undefined {
    return this.#waitingForPeerSince;
  }

  /** The HTTP/2 stream the call is on, if it can be found. */
  get transport(): Transport | undefined {
    return transportOf(this.#call);
  }

  /** The HTTP/2 session the call is on, if it can be found. */
  get session(): unknown {
    return transportOf(this.#call)?.session;
  }

  /**
   * Takes the call's requests: they end with the reason once the call is
   * aborted (at once if it already is), and normally on the client's
   * half-close (see {@linkcode handleRequestsEnd}).
   */
  holdRequests(requests: Inbox<unknown>): void {
    if (this.#abortReason) requests.end(this.#abortReason);
    else this.#requests = requests;
  }

  /**
   * grpc-js ended the request stream. That is the client's half-close, or
   * else the client reset the stream (cancelled) or the deadline passed,
   * which grpc-js reports the same way: those cancel the call (ending the
   * requests with the reason); a half-close ends the requests normally.
   */
  handleRequestsEnd(): void {
    const transport = transportOf(this.#call);
    if (transport?.closed || transport?.destroyed || this.#expired()) this.#cancelled();
    if (!this.#ended) this.#requests?.end();
  }

  /** Records that the status is sent, and reports the call; false if it had already ended. */
  markEnded(code: Status, details: string): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    this.#cancelDeadline?.();
    this.#open.delete(this);
    this.#report(code, details);
    return true;
  }

  /** Sends an error status, unless the call has already ended; false if it had. */
  sendError(status: GrpcError): boolean {
    if (!this.markEnded(status.code, status.details)) return false;
    // A GrpcError is the status object grpc-js takes: code, details, metadata.
    if (this.#callback) this.#callback(status as Parameters<UnaryCallback>[0]);
    else this.#call.emit("error", status);
    return true;
  }

  /**
   * Ends the call now with `status` (a shutdown, a connection's age),
   * aborting the handler's signal; resolves once its HTTP/2 stream has
   * closed, so that the status is on the wire.
   */
  terminate(status: GrpcError): Promise<void> {
    const closed = closeOf(transportOf(this.#call));
    if (this.sendError(status)) this.#abort(status);
    return closed;
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
    (this.#hooks.onUnexpectedError ?? logUnexpected)(error, this.context.method);
    return new GrpcError(Status.INTERNAL, "internal error", { metadata: trailer });
  }

  #abort(reason: GrpcError): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.#requests?.end(reason);
  }

  /** Whether the deadline has passed, or will within `slackMs`. */
  #expired(slackMs = 0): boolean {
    const deadline = this.context.deadline;
    return deadline !== undefined && deadline.getTime() <= Date.now() + slackMs;
  }

  #cancelled(): void {
    if (this.#ended) return;
    const reason = this.#expired(DEADLINE_SLACK_MS)
      ? new GrpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded")
      : new GrpcError(Status.CANCELLED, "cancelled by the client");
    this.#abort(reason); // the handler learns of it before the call is reported
    this.markEnded(reason.code, reason.details);
  }

  #report(code: Status, details: string): void {
    if (!this.#hooks.onCallEnd) return;
    const stream = transportOf(this.#call);
    if (stream) markReported(stream);
    this.#hooks.onCallEnd({
      method: this.context.method,
      peer: this.context.peer,
      code,
      details,
      durationMs: performance.now() - this.#started,
    });
  }
}

/** Resolves once the HTTP/2 stream `transport` has closed (at once if it has, or is unknown). */
export function closeOf(transport: Transport | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!transport || transport.closed || transport.destroyed) resolve();
    else transport.once("close", () => resolve());
  });
}

function logUnexpected(error: unknown, method: string): void {
  console.error(`${method}: handler failed:`, error);
}
