/**
 * One HTTP/2 DATA frame for the messages a grpc-js response stream has ready,
 * not one per event-loop turn.
 *
 * A grpc-js response stream writes its next message only once the previous
 * write has called back, and Deno 2.8.3's `Http2Stream` calls back from
 * `setImmediate`, once the turn is over: each message went out alone, in a
 * DATA frame of its own, however many the handler had ready.
 * {@linkcode overlapWrites} hands on at once every message queued behind the
 * one in flight, and Deno's stream gathers them into shared frames.
 *
 * Upstream: no Deno issue is known for this. Remove it once the test
 * "responses ready together leave in shared HTTP/2 DATA frames"
 * (`write_overlap_test.ts`) passes without it on the pinned Deno.
 *
 * @module
 */
import type { Writable } from "node:stream";

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
