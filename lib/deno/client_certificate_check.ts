/**
 * Mutual TLS with the reason a client certificate was refused.
 *
 * Deno 2.8.3's TLS server, asked to reject unauthorized clients, ends the
 * handshake of a client whose certificate comes from another CA with no
 * reason: the server sees "socket hang up", the client "Failed to connect".
 * Here the TLS layer requests the certificate without rejecting it
 * (`rejectUnauthorized: false`), and every connection is checked as soon as
 * its handshake ends, on `secureConnection`, before the HTTP/2 session reads
 * a byte from it: an unauthorized one is refused with the reason TLS found
 * (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `CERT_HAS_EXPIRED`, no certificate).
 *
 * Upstream: no Deno issue is known for this. Remove it once "mutual TLS: the
 * server logs why it refused a client certificate" (`tests/tls_test.ts`)
 * passes with grpc-js's own `rejectUnauthorized: true` on the pinned Deno.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import { withTlsServerOptions } from "../grpc_js/grpc_internals.ts";
import type { ServerCredentials } from "../grpc_js/grpc_types.ts";

/** Credentials from `serverCredentials` with a client CA. */
const mutual = new WeakSet<object>();

/** Marks `credentials` as requiring a client certificate that lib checks. */
export function checkClientCertificates(credentials: ServerCredentials): ServerCredentials {
  mutual.add(credentials);
  return credentials;
}

/**
 * `credentials` as grpc-js should create its TLS server with: for marked
 * credentials, the same ones with TLS's own rejection turned off.
 */
export function tlsServerCredentials<C extends object>(credentials: C): C {
  if (!mutual.has(credentials)) return credentials;
  return withTlsServerOptions(credentials, { rejectUnauthorized: false });
}

/** A TLS socket as `secureConnection` gives it. */
export interface VerifiedSocket {
  authorized?: boolean;
  authorizationError?: Error | string | null;
  getPeerCertificate?(): { subject?: Record<string, string> } | null;
  destroy(): void;
}

/** Why TLS did not authorize `socket`'s client, in words. */
export function refusalOf(socket: VerifiedSocket): string {
  const subject = socket.getPeerCertificate?.()?.subject;
  if (!subject) return "the client sent no certificate";
  const code = String(socket.authorizationError ?? "unknown reason");
  const name = subject.CN ? ` (CN=${subject.CN})` : "";
  const cause = code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || code === "UNABLE_TO_GET_ISSUER_CERT"
    ? "is not issued by the client CA"
    : "is not trusted";
  return `the client's certificate${name} ${cause} (${code})`;
}

/**
 * Refuses, on `http2Server` made from marked credentials, every connection
 * TLS did not authorize, calling `onRefused` with the socket and the reason.
 */
export function refuseUnauthorized(
  http2Server: EventEmitter,
  credentials: object,
  onRefused: (socket: VerifiedSocket, reason: string) => void,
): void {
  if (!mutual.has(credentials)) return;
  http2Server.prependListener("secureConnection", (socket: VerifiedSocket) => {
    if (socket.authorized) return;
    onRefused(socket, refusalOf(socket));
    socket.destroy();
  });
}
