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
 * import { Readable } from "node:stream";
 * import { inboxFrom } from "./streams.ts";
 * const stream = Readable.from([1, 2]);
 * const inbox = inboxFrom<number>(stream);
 * stream.on("end", () => inbox.end());
 * for await (const n of inbox) console.log(n); // 1, then 2
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

const ignore = () => {};

/** Whether the HTTP/2 stream under a call can still take writes. */
export interface WriteTarget {
  writableEnded?: boolean;
  destroyed?: boolean;
}

/**
 * Makes a grpc-js response stream pass on together the writes that queued
 * behind the one in flight. A grpc-js stream writes one message at a time,
 * each after the previous one's callback, and Deno 2.8.3's `node:http2` calls
 * back only once the event-loop turn is over: a stream sent one message, in
 * one HTTP/2 DATA frame, per turn. With this, the queued messages are handed
 * to the HTTP/2 stream `under` it at once and leave in one frame. Only the
 * last one's callback is awaited: grpc-js reports a failed write with the
 * call's status. Once `under` has ended (grpc-js ends a call whose message is
 * too large), the rest is not written, as grpc-js would not write it either.
 *
 * Only for grpc-js calls with no interceptors: an interceptor may hold a
 * message back and expect the next one only after it.
 *
 * @example
 * ```ts ignore
 * adapted.Talk = (call) => {
 *   overlapWrites(call, call.call.stream);
 *   call.write(first);
 *   call.write(second); // queued; passed on with everything else queued
 * };
 * ```
 */
export function overlapWrites(stream: Writable, under: WriteTarget): void {
  (stream as Overlapped)[target] = under;
  stream._writev = writeOverlapped;
}

// One function for every stream, with its target on the stream: an idle
// stream then holds no closures for this.
const target = Symbol("overlapWrites.target");
type Overlapped = Writable & { [target]: WriteTarget };

function writeOverlapped(
  this: Overlapped,
  chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>,
  callback: (error?: Error | null) => void,
): void {
  const under = this[target];
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) {
    if (ended(under)) return;
    this._write(chunks[i].chunk, chunks[i].encoding, ignore);
  }
  if (!ended(under)) this._write(chunks[last].chunk, chunks[last].encoding, callback);
}

function ended(under: WriteTarget): boolean {
  return Boolean(under.writableEnded || under.destroyed);
}
