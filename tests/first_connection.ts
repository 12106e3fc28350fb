/**
 * A TCP front to a gRPC server that fails its first connections as a server
 * replacing a worker can, and passes every later one to the server:
 *
 * - `goaway`: the server's SETTINGS and a GOAWAY at once, in one write, as
 *   from a worker that starts to drain just after accepting the connection;
 * - `reset`: a reset (RST) once the client has sent its first bytes, as when
 *   a worker closes its listener with the connection still in its queue.
 *
 * @module
 */
import net from "node:net";
import { frame } from "./fixtures/http2_frames.ts";

/** How the first connection fails. */
export type FirstFailure = "goaway" | "reset";

/** A running front; disposing it closes every connection. */
export interface FirstConnectionFront extends AsyncDisposable {
  /** Where clients connect, as `127.0.0.1:PORT`. */
  target: string;
  /** Resolves once the first connection has failed. */
  failed: Promise<void>;
  /** The connections made to it so far. */
  readonly connections: number;
}

/** SETTINGS (none changed), then GOAWAY: no stream processed, no error. */
const SETTINGS_THEN_GOAWAY = new Uint8Array([
  ...frame(4, 0, 0, []),
  ...frame(7, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]),
]);

/**
 * Starts a front to the server at `port` on localhost whose first `count`
 * connections (default 1; `Infinity` for all) fail as `how`.
 */
export async function startFirstConnectionFront(
  port: number,
  how: FirstFailure,
  count = 1,
): Promise<FirstConnectionFront> {
  const failed = Promise.withResolvers<void>();
  const open = new Set<net.Socket>();
  let connections = 0;
  const front = net.createServer((client) => {
    open.add(client);
    client.on("error", () => {}).once("close", () => open.delete(client));
    if (++connections <= count) {
      client.once("close", () => failed.resolve());
      // What the client sends is read and dropped, so that its end closes the socket.
      if (how === "goaway") client.resume().end(SETTINGS_THEN_GOAWAY);
      else client.once("data", () => client.resetAndDestroy());
      return;
    }
    const server = net.connect(port, "127.0.0.1");
    open.add(server);
    server.on("error", () => {}).once("close", () => open.delete(server));
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((listening) => front.listen(0, "127.0.0.1", listening));
  return {
    target: `127.0.0.1:${(front.address() as net.AddressInfo).port}`,
    failed: failed.promise,
    get connections() {
      return connections;
    },
    async [Symbol.asyncDispose]() {
      const closed = new Promise((done) => front.close(done));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
