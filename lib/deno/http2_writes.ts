/**
 * One socket write per event-loop turn for HTTP/2 connections on Deno.
 *
 * Deno 2.8.3's `node:http2` hands every HTTP/2 frame to its socket with a
 * write of its own, and each such write is a system call: one `sendto` per
 * gRPC message, which took two thirds of a busy server's CPU time. Node
 * gathers a turn's frames into one `writev`. This corks the socket under
 * every HTTP/2 connection, server and client side, at its first write in a
 * turn and uncorks it once the turn's callbacks have run, so the frames
 * written meanwhile leave in one `writev`. A socket is uncorked before it is
 * destroyed, so nothing written is dropped.
 *
 * {@linkcode applyServerWriteBatching} batches server connections (it does
 * nothing outside Deno); `http2_client.ts` batches client connections with
 * {@linkcode batchWrites}.
 *
 * Upstream: no Deno issue is known for this. Remove it once the pinned Deno's
 * `node:http2` writes a turn's frames together by itself: `strace -c -f -e
 * trace=sendto,writev` on `deno task bench` showing about one `sendto` per
 * gRPC message without this module is the sign that it is still needed.
 *
 * @module
 */
import http2 from "node:http2";
import type { Socket } from "node:net";

const batched = new WeakSet<Socket>();

/**
 * Makes `socket` gather the writes of one event-loop turn into one.
 *
 * Holding writes for longer (while every turn wrote more, up to 64 turns)
 * raised a busy stream's throughput by another half, but a client cancelling
 * many busy streams then had its connection ended by nghttp2 with
 * ENHANCE_YOUR_CALM, taking the other calls on it down. One turn does not.
 *
 * @example
 * ```ts ignore
 * import net from "node:net";
 * const socket = net.connect(50051);
 * batchWrites(socket);
 * socket.write("a");
 * socket.write("b"); // both leave together once the turn ends
 * ```
 */
export function batchWrites(socket: Socket): void {
  if (batched.has(socket)) return;
  batched.add(socket);
  const { write, destroy } = socket;
  let corked = false;
  const flush = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Socket["write"];
  socket.destroy = function (this: Socket, ...args: Parameters<Socket["destroy"]>) {
    flush();
    return destroy.apply(this, args);
  } as Socket["destroy"];
}

const applied = Symbol.for("grpc-deno.http2-writes");
type Patchable = typeof http2 & { [applied]?: true };

function batchServerConnections(create: "createServer" | "createSecureServer", event: string) {
  const original = http2[create] as (...args: unknown[]) => http2.Http2Server;
  (http2 as Record<typeof create, unknown>)[create] = (...args: unknown[]) => {
    const server = original.apply(http2, args);
    server.on(event, batchWrites);
    return server;
  };
}

/**
 * Makes every HTTP/2 server created from now on batch its connections' writes
 * with {@linkcode batchWrites}. Does nothing outside Deno, or when already
 * applied.
 */
export function applyServerWriteBatching(): void {
  if (!("Deno" in globalThis) || (http2 as Patchable)[applied]) return;
  (http2 as Patchable)[applied] = true;
  batchServerConnections("createServer", "connection");
  batchServerConnections("createSecureServer", "secureConnection");
}
