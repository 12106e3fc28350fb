/**
 * How many files the process may have open, and so how many connections a
 * server may hold. Deno 2.8.3's `node:net` stops accepting for good once an
 * accept fails with EMFILE (grpc-go retries with backoff): past the limit a
 * server would never accept again. A server that keeps its connections below
 * the limit never meets it.
 *
 * @module
 */
import type { EventEmitter } from "node:events";

/** Files kept for everything but connections: stdio, listeners, stores, Deno's own. */
const RESERVED = 64;

/** The usual soft limit on open files, assumed where the process may not read its own. */
export const USUAL_OPEN_FILE_LIMIT = 1024;

/**
 * The soft limit on open files (`ulimit -n`) where the process may read it
 * (Deno asks `--allow-all` for `/proc/self/limits`); else undefined.
 */
export function openFileLimit(): number | undefined {
  const path = "/proc/self/limits";
  // Never a permission prompt.
  if (Deno.permissions.querySync?.({ name: "read", path }).state !== "granted") return undefined;
  try {
    const limits = Deno.readTextFileSync(path);
    const soft = limits.match(/^Max open files\s+(\d+)/m)?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined; // not Linux, or not allowed to read it
  }
}

/**
 * The connections a server may hold under a limit of `limit` open files:
 * all but a tenth of them, and at least {@linkcode RESERVED} kept back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectionLimit } from "./open_files.ts";
 * assert.equal(connectionLimit(1024), 921);
 * assert.equal(connectionLimit(256), 192);
 * ```
 */
export function connectionLimit(limit: number): number {
  return Math.max(1, limit - Math.max(RESERVED, Math.ceil(limit / 10)));
}

/**
 * Has `server` ask `admit` of each connection it accepts; one refused is
 * closed at once and never reaches `node:http2`, which would otherwise make
 * a session of it that keeps its file open until the session is torn down.
 */
export function admitConnections(
  server: EventEmitter,
  admit: (socket: { destroy(): void }) => boolean,
): void {
  const emit = server.emit;
  server.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]) {
    if (event === "connection") {
      const socket = args[0] as { destroy(): void };
      if (!admit(socket)) {
        socket.destroy();
        return false;
      }
    }
    return emit.call(this, event, ...args);
  };
}
