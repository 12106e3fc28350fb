/**
 * What a server handler is and sees: its signature by call kind, its call's
 * context, and what the server tells of each call.
 *
 * @module
 */
import type { Metadata, MetadataInit } from "../metadata.ts";
import type { Method, Methods, Source } from "../wire/service.ts";
import type { Status } from "../status.ts";

/** A client's verified TLS certificate, as `node:tls` describes it. */
export interface PeerCertificate {
  /** Its subject's fields: `CN`, `O`, … */
  readonly subject?: Readonly<Record<string, string>>;
  /** The SHA-256 fingerprint of the certificate, as colon-separated hex. */
  readonly fingerprint256?: string;
}

/** What a handler knows of its call. */
export interface CallContext {
  /** The method's path: `/package.Service/Method`. */
  readonly method: string;
  /** The client's address, as grpc-js reports it. */
  readonly peer: string;
  /** Request metadata (headers). */
  readonly metadata: Metadata;
  /**
   * The client's certificate, under mutual TLS, once the server has verified
   * it against its client CA; `undefined` otherwise.
   */
  readonly peerCertificate: PeerCertificate | undefined;
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
  /** The method's path: `/package.Service/Method`. */
  method: string;
  /** The client's address. */
  peer: string;
  /** The status sent, or `CANCELLED` / `DEADLINE_EXCEEDED` for a call the client gave up. */
  code: Status;
  /** The status message. */
  details: string;
  /** From the call's start to its status, in milliseconds. */
  durationMs: number;
}

/** What a server tells of its calls, as they start and end. */
export interface CallHooks {
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
