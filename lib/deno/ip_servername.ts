/**
 * A fix for TLS to an IP address on Deno 2.8.3: grpc-js passes the target
 * host as the TLS `servername`, and Deno's `node:tls` throws when that is an
 * IP address, where Node ignores it (SNI carries host names only, RFC 6066).
 * Applied once, by {@linkcode applyIpServername}: an IP `servername` is
 * dropped before `tls.connect`, and the certificate is still checked against
 * the IP address.
 *
 * Upstream: no Deno issue is known for this. Remove it once a TLS client on
 * the pinned Deno reaches `127.0.0.1` without it (`tests/tls_test.ts`).
 *
 * @module
 */
import { isIP } from "node:net";
import tls from "node:tls";

const applied = Symbol.for("grpc-deno.ip-servername");
type Patchable = typeof tls & { [applied]?: true };

/**
 * Makes `tls.connect` drop a `servername` that is an IP address. Does nothing
 * outside Deno, or when already applied.
 */
export function applyIpServername(): void {
  if (!("Deno" in globalThis) || (tls as Patchable)[applied]) return;
  (tls as Patchable)[applied] = true;
  const connect = tls.connect;
  tls.connect = ((...args: unknown[]) => {
    const options = args[0];
    if (typeof options === "object" && options !== null && "servername" in options) {
      const { servername } = options as { servername?: string };
      if (servername && isIP(servername)) delete (options as { servername?: string }).servername;
    }
    return (connect as (...a: unknown[]) => tls.TLSSocket)(...args);
  }) as typeof tls.connect;
}
