/**
 * Deno 2.8.3's `node:net` stops accepting for good once an accept fails for
 * want of a file (EMFILE), and says nothing: its native listener stops
 * watching the socket, and connections wait in the kernel's queue for ever
 * (measured: under a limit of 64 files, 200 connections at once; the server
 * then held 24 files and accepted nothing more). libuv, under Node, keeps a
 * spare file for this; grpc-go retries with backoff. Calling the handle's
 * `listen` again makes the listener watch the socket again, and it takes the
 * connections that waited; on a listener still watching it changes nothing
 * (every 50 ms for 25 s: each connection accepted once, RSS flat).
 *
 * Remove once Deno's listener retries after EMFILE.
 *
 * @module
 */
import type { Server } from "node:net";
import { setImmediate } from "node:timers";

/** Node's default backlog, which grpc-js's `listen` leaves in place. */
const BACKLOG = 511;

/** A listening socket's native handle, as Deno 2.8.3's `node:net` keeps it. */
interface ListenerHandle {
  listen(backlog: number): number;
}

/** Options of {@linkcode keepAccepting}. */
export interface KeepAcceptingOptions {
  /** How often a server that accepted nothing meanwhile is made to watch its socket again. Default 1,000 ms. */
  everyMs?: number;
  /**
   * Called when connections were waiting that the listener had not taken:
   * it had stopped, and `stalledMs` is how long nothing was accepted.
   */
  onRestarted?: (stalledMs: number) => void;
}

/**
 * Keeps `server` accepting: every `everyMs` in which it accepted nothing,
 * its listener is made to watch the socket again. Connections accepted
 * before the event loop's next turn were waiting in the queue, so the
 * listener had stopped: `onRestarted` reports it. Resolves nothing, holds no
 * timer open; ends with the server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import net from "node:net";
 * import { keepAccepting } from "./accept_restart.ts";
 * const server = net.createServer((socket) => socket.end());
 * keepAccepting(server, { everyMs: 10, onRestarted: () => assert.fail("it never stopped") });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * await new Promise((resolve) => setTimeout(resolve, 50));
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function keepAccepting(server: Server, options: KeepAcceptingOptions = {}): void {
  const everyMs = options.everyMs ?? 1_000;
  let lastAccept = performance.now();
  let restartedAt: number | undefined;
  const emit = server.emit;
  server.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "connection") {
      const now = performance.now();
      if (restartedAt !== undefined) options.onRestarted?.(Math.round(now - lastAccept));
      restartedAt = undefined;
      lastAccept = now;
    }
    return emit.call(this, event, ...args);
  } as typeof server.emit;
  let timer: ReturnType<typeof setInterval> | undefined;
  server.on("listening", () => {
    clearInterval(timer);
    timer = setInterval(() => {
      const handle = (server as unknown as { _handle?: ListenerHandle })._handle;
      if (!handle || performance.now() - lastAccept < everyMs) return;
      restartedAt = performance.now();
      handle.listen(BACKLOG);
      // A connection the listener takes before the next turn was waiting.
      setImmediate(() => restartedAt = undefined);
    }, everyMs);
    Deno.unrefTimer(timer as unknown as number);
  });
  server.on("close", () => clearInterval(timer));
}
