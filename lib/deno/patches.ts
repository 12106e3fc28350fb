/**
 * The process-wide fixes lib/ applies to Deno 2.8.3's `node:http2` and
 * `node:tls`, each in a module of its own that names the upstream issue and
 * when it can go:
 *
 * - `http2_writes.ts`: a turn's HTTP/2 frames leave in one socket write;
 * - `http2_client.ts`: client streams' trailers wait for their data, and a
 *   cancel resets without a half-close;
 * - `http2_teardown.ts`: closed server connections can be garbage-collected;
 * - `ip_servername.ts`: TLS to an IP address;
 * - `http2_constants.ts`: the 415 grpc-js answers requests that are not gRPC.
 *
 * The other Deno workarounds act on one call or one server and are not
 * applied here: `write_overlap.ts`, `send_window.ts`, `client_ca_list.ts`,
 * `peer_address.ts`, `client_certificate_check.ts`, `accept_restart.ts`.
 *
 * @module
 */
import { applyClientStreamFixes } from "./http2_client.ts";
import { applyHttp2Constants } from "./http2_constants.ts";
import { applyConnectionTeardown } from "./http2_teardown.ts";
import { applyServerWriteBatching } from "./http2_writes.ts";
import { applyIpServername } from "./ip_servername.ts";

let applied = false;

/**
 * Applies every process-wide Deno fix, once: `GrpcServer`'s constructor,
 * `createChannel`, `createClient` and `channelCredentials` call it, before
 * grpc-js opens a server or a connection. Does nothing outside Deno.
 */
export function applyDenoPatches(): void {
  if (applied) return;
  applied = true;
  applyServerWriteBatching();
  applyConnectionTeardown();
  applyClientStreamFixes();
  applyIpServername();
  applyHttp2Constants();
}
