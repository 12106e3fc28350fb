/**
 * A client's address from its socket. Deno 2.8.3 leaves `remoteAddress` unset
 * on a TLS socket and keeps it on the TCP socket under it (`_parent`).
 *
 * Upstream: no Deno issue is known for this. Remove the `_parent` read once
 * "server.ts logs each failed TLS handshake with the client's address and
 * the reason" (`tests/tls_test.ts`) passes without it on the pinned Deno.
 *
 * @module
 */
import { hostPort } from "../address.ts";

/** A socket as `tlsClientError` or a session gives it. */
export interface PeerSocket {
  remoteAddress?: string;
  remotePort?: number;
  /** Deno 2.8.3 leaves the address on the TCP socket under the TLS one. */
  _parent?: PeerSocket;
}

/** A socket's client address; `unknown` once the socket has none. */
export function peerOf(socket: PeerSocket | undefined): string {
  const { remoteAddress, remotePort } = socket?.remoteAddress ? socket : socket?._parent ?? {};
  return remoteAddress ? hostPort(remoteAddress, remotePort ?? 0) : "unknown";
}
