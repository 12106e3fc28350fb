/**
 * The CA list a TLS server sends when it asks for no client certificate.
 *
 * Without a client CA, grpc-js fills the TLS context's CA list from the
 * default roots (`GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`), and Deno 2.8.3 sends
 * that whole list in the handshake's certificate request, which clients
 * reject as oversized. An empty list is given instead.
 *
 * Upstream: no Deno issue is known for this. Remove it once "TLS: a client
 * trusting the server's CA is served, by host name and by IP address"
 * (`tests/tls_test.ts`) passes without it on the pinned Deno, with
 * `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH` set to a bundle of many roots.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** The client CAs a server gives grpc-js: `clientCa`, or an empty list. */
export function clientCaList(clientCa: Buffer | undefined): Buffer {
  return clientCa ?? Buffer.alloc(0);
}
