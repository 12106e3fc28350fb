/**
 * A fix for TLS to an IP address on Deno 2.8.3: grpc-js passes the target
 * host as the TLS `servername`, and Deno's `node:tls` throws when that is an
 * IP address, where Node ignores it (SNI carries host names only, RFC 6066).
 * Installed once: an IP `servername` is dropped before `tls.connect`, and the
 * certificate is still checked against the IP address.
 *
 * @module
 */
import { isIP } from "node:net";
import tls from "node:tls";

const patched = Symbol.for("grpc-deno.ip-servername");
type Patchable = typeof tls & { [patched]?: true };

if ("Deno" in globalThis && !(tls as Patchable)[patched]) {
  (tls as Patchable)[patched] = true;
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
