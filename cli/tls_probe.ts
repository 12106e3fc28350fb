/**
 * Whether a server that closed a plaintext connection at once speaks TLS:
 * grpc-js says "Failed to connect" both for a TLS server given plaintext and
 * for a port that resets every connection, and only one of them is helped by
 * `--tls`.
 *
 * @module
 */
import { isIP } from "node:net";
import { connect } from "node:tls";

/** `host` and `port` of a `HOST:PORT` or `[V6]:PORT` target. */
function split(target: string): { host: string; port: number } {
  const match = target.replace(/^dns:(\/\/[^/]*\/)?/, "").match(/^\[?(.*?)\]?:(\d+)$/);
  return match ? { host: match[1], port: Number(match[2]) } : { host: target, port: 443 };
}

/**
 * Resolves to whether `target` answers a TLS handshake (whatever it then
 * thinks of this client), within `timeoutMs`. Certificates are not checked:
 * nothing is sent but the handshake.
 */
export function speaksTls(target: string, timeoutMs = 2_000): Promise<boolean> {
  const { host, port } = split(target);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
    });
    const answer = (speaks: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(speaks);
    };
    const timer = setTimeout(() => answer(false), timeoutMs);
    socket.once("secureConnect", () => answer(true));
    // An alert is an answer in TLS; a reset or a close is none.
    socket.once("error", (error: Error) => answer(/alert|certificate/i.test(error.message)));
    socket.once("close", () => answer(false));
  });
}
