/**
 * The HTTP/2 constant Deno 2.8.3's `node:http2` lacks and grpc-js uses:
 * `HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE`. Without it grpc-js answers a request
 * that is not gRPC (a wrong `content-type`) with `:status` undefined, which
 * Deno sends as 200 with no `grpc-status`, where the gRPC spec asks for 415.
 * Applied once, by {@linkcode applyHttp2Constants}.
 *
 * Upstream: no Deno issue is known for this. Remove it once "a request whose
 * content-type is not gRPC gets 415" (`tests/faults_test.ts`) passes without
 * it on the pinned Deno.
 *
 * @module
 */
import http2 from "node:http2";

/** Adds the missing constants to `http2.constants`; does nothing where they are there. */
export function applyHttp2Constants(): void {
  const constants = http2.constants as Record<string, unknown>;
  constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE ??= 415;
}
