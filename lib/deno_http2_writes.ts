/**
 * One socket write per event-loop turn for HTTP/2 connections on Deno.
 *
 * Deno 2.8.3's `node:http2` hands every HTTP/2 frame to its socket with a
 * write of its own, and each such write is a system call: one `sendto` per
 * gRPC message, which took two thirds of a busy server's CPU time. Node
 * gathers a turn's frames into one `writev`. This corks the socket under
 * every HTTP/2 connection, server and client side, at its first write, and
 * uncorks it at the end of the first event-loop turn that wrote nothing more
 * (within bounds), so the frames written meanwhile leave in one `writev`. A
 * socket is uncorked before it is destroyed, so nothing written is dropped.
 *
 * Installed on import; it does nothing outside Deno.
 *
 * @module
 */
import http2 from "node:http2";
import type { Socket } from "node:net";

const batched = new WeakSet<Socket>();

/**
 * Bounds on how long writes are held. While every turn writes more (a busy
 * stream, whose messages grpc-js reads one per turn), the batch grows for up
 * to 64 turns, 16 KiB or 1 ms, whichever comes first. A turn that adds nothing
 * sends the batch: a lone reply waits for no later turn.
 */
const MAX_TURNS = 64;
const MAX_HELD_BYTES = 16 * 1024;
const MAX_HOLD_MS = 1;

/**
 * Makes `socket` gather writes made in quick succession into one.
 *
 * @example
 * ```ts ignore
 * import net from "node:net";
 * const socket = net.connect(50051);
 * batchWrites(socket);
 * socket.write("a");
 * socket.write("b"); // both leave together, in one writev
 * ```
 */
export function batchWrites(socket: Socket): void {
  if (batched.has(socket)) return;
  batched.add(socket);
  const { write, destroy } = socket;
  let corked = false;
  let writes = 0;
  let writesSeen = 0;
  let turns = 0;
  let since = 0;
  const flush = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const endOfTurn = () => {
    if (!corked) return;
    if (
      writes > writesSeen && ++turns < MAX_TURNS && socket.writableLength < MAX_HELD_BYTES &&
      performance.now() - since < MAX_HOLD_MS
    ) {
      writesSeen = writes;
      setImmediate(endOfTurn);
    } else flush();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
    writes++;
    if (!corked && !socket.destroyed) {
      corked = true;
      writesSeen = writes;
      turns = 0;
      since = performance.now();
      socket.cork();
      setImmediate(endOfTurn);
    }
    return write.apply(this, args);
  } as Socket["write"];
  socket.destroy = function (this: Socket, ...args: Parameters<Socket["destroy"]>) {
    flush();
    return destroy.apply(this, args);
  } as Socket["destroy"];
}

const installed = Symbol.for("grpc-deno.http2-writes");
type Patchable = typeof http2 & { [installed]?: true };

function batchServerConnections(create: "createServer" | "createSecureServer", event: string) {
  const original = http2[create] as (...args: unknown[]) => http2.Http2Server;
  (http2 as Record<typeof create, unknown>)[create] = (...args: unknown[]) => {
    const server = original.apply(http2, args);
    server.on(event, batchWrites);
    return server;
  };
}

function batchClientConnections() {
  const connect = http2.connect;
  http2.connect = ((authority: string | URL, ...rest: unknown[]) => {
    const options = rest.find((arg) => typeof arg === "object" && arg !== null) as
      | http2.ClientSessionOptions
      | undefined;
    const createConnection = options?.createConnection;
    if (options && createConnection) {
      options.createConnection = (...args) => {
        const socket = createConnection(...args);
        batchWrites(socket as Socket);
        return socket;
      };
    }
    return (connect as (...args: unknown[]) => http2.ClientHttp2Session)(authority, ...rest);
  }) as typeof connect;
}

if ("Deno" in globalThis && !(http2 as Patchable)[installed]) {
  (http2 as Patchable)[installed] = true;
  batchServerConnections("createServer", "connection");
  batchServerConnections("createSecureServer", "secureConnection");
  batchClientConnections();
}
