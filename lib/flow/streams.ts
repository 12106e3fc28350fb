/**
 * Node streams as lib/ uses them: a readable stream fed into an
 * {@linkcode Inbox}, and writes that wait for `drain`.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { Inbox } from "./inbox.ts";

/**
 * Feeds a readable object stream into an {@linkcode Inbox}, pausing the
 * stream while the inbox is full so that flow control reaches the peer.
 * The caller decides when the inbox ends: grpc-js ends streams differently
 * on each side of a call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Readable } from "node:stream";
 * import { inboxFrom } from "./streams.ts";
 * const stream = Readable.from([1, 2]);
 * const inbox = inboxFrom<number>(stream);
 * stream.on("end", () => inbox.end());
 * assert.deepEqual(await Array.fromAsync(inbox), [1, 2]);
 * ```
 */
export function inboxFrom<T>(stream: Readable, onReturn?: () => void): Inbox<T> {
  const inbox = new Inbox<T>({ producer: stream, onReturn });
  stream.on("data", (message: T) => inbox.push(message));
  return inbox;
}

/**
 * Resolves when `stream` can take more writes, or when it closes or `signal`
 * aborts, whichever comes first.
 *
 * @example
 * ```ts ignore
 * if (!call.write(message)) await drained(call, signal);
 * ```
 */
export function drained(stream: Writable, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      stream.off("drain", settle);
      stream.off("close", settle);
      signal.removeEventListener("abort", settle);
      resolve();
    };
    stream.on("drain", settle);
    stream.on("close", settle);
    signal.addEventListener("abort", settle);
  });
}

/**
 * Writes every item of `source` to `stream`, waiting for drain whenever the
 * stream's buffer is full. Stops early, without error, once `signal` aborts.
 * Errors thrown by `source` propagate.
 *
 * @example
 * ```ts ignore
 * await writeAll(call, requests, signal);
 * call.end();
 * ```
 */
export async function writeAll<T>(
  stream: Writable,
  source: AsyncIterable<T> | Iterable<T>,
  signal: AbortSignal,
): Promise<void> {
  for await (const message of source) {
    if (signal.aborted) return;
    if (!stream.write(message)) await drained(stream, signal);
    if (signal.aborted) return;
  }
}
