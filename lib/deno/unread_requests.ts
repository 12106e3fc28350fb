/**
 * A bound on the requests a server holds unread. Deno 2.8.3's `node:http2`
 * goes on taking a paused stream's DATA frames, and granting the client more
 * flow-control window, whatever the server's own settings: what a client
 * sends to a call that is not reading (its handler waits for the client to
 * read its replies, or for a commit) piles up in the stream's buffer, a chunk for each DATA
 * frame, and about 4 KB of memory for each however small: one `SumServer`
 * stream sending a 7-byte message per frame while reading no reply held
 * 16,550 frames (113 KB) and grew the server by 64 MB; a connection of 100
 * such streams, by 560 MB in 6 s.
 *
 * This measures what each open stream holds unread, and resets with
 * `ENHANCE_YOUR_CALM` (which gRPC clients report as `RESOURCE_EXHAUSTED`) the
 * streams holding the most, on a connection over its share or on the whole
 * server over its total. Only the streams whose replies the client does not
 * read (the server says which) are held to the limits: a client that reads
 * them only sends faster than its calls consume, which is no fault, and
 * cannot be told from one that will stop. The Go load generator's fan-in
 * (100 streams over 4 connections, 5,000 numbers each, a 7-byte frame a
 * message) held some 100 MiB a connection so, and was cut until they were
 * spared; the server's RSS went from 120 to 700 MB, and back.
 *
 * Upstream: a paused stream should stop consuming its window, as Node's does.
 * Remove once the pinned Deno does, and the test "streams that send while
 * their replies go unread are ended …" in `tests/faults_test.ts` holds
 * without it.
 *
 * @module
 */
import { constants } from "node:http2";

/** The memory a buffered DATA frame costs beyond its bytes: about 4 KB, measured. */
export const FRAME_COST = 4096;

/** How much unread request data a server holds, at most. */
export interface UnreadLimits {
  /** On one connection, all its streams together. */
  perConnection: number;
  /** On the whole server. */
  total: number;
}

/**
 * Defaults: 96 MiB a connection, over what one stream can hold (Deno stops
 * granting window at some 113 KB a stream, 16,550 frames of one small
 * message: 68 MiB as counted here), so that a client that pipelines one
 * stream faster than the store commits is never cut; 384 MiB on the server.
 */
export const DEFAULT_UNREAD_LIMITS: UnreadLimits = {
  perConnection: 96 * 1024 * 1024,
  total: 384 * 1024 * 1024,
};

/**
 * How soon after a stream buffers the streams are measured: a client that
 * sends a frame per message can add some 1,000 frames (4 MB) in that time.
 */
const SWEEP_DELAY_MS = 5;

/** The parts of an HTTP/2 stream this needs. */
export interface UnreadStream {
  readonly session?: unknown;
  readonly readableLength: number;
  push(chunk: unknown, encoding?: string): boolean;
  close(code: number): void;
  once(event: "close", listener: () => void): unknown;
}

/** What a stream holds unread, in bytes with {@linkcode FRAME_COST} per frame. */
export function unreadCost(stream: UnreadStream): number {
  const bytes = stream.readableLength;
  if (bytes === 0) return 0;
  const state =
    (stream as { _readableState?: { buffer?: { length: number }; bufferIndex?: number } })
      ._readableState;
  const frames = (state?.buffer?.length ?? 0) - (state?.bufferIndex ?? 0);
  return bytes + FRAME_COST * Math.max(frames, 1);
}

/** Why a stream was reset: what it held, and the limit it crossed. */
export interface UnreadExcess {
  held: number;
  limit: number;
  scope: "connection" | "server";
}

/**
 * The open streams of a server, measured soon after one of them buffers
 * what it receives (one that is read as it receives costs nothing more);
 * of those whose replies go unread, the largest are reset while a
 * connection or the server holds more than its limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnreadRequests } from "./unread_requests.ts";
 * const reset: number[] = [];
 * const guard = new UnreadRequests({ perConnection: 1_000, total: 10_000 });
 * const stream = {
 *   session: {},
 *   readableLength: 0,
 *   push(_chunk: unknown) {
 *     this.readableLength += 5_000; // buffered: nothing reads it
 *     return true;
 *   },
 *   close: (code: number) => reset.push(code),
 *   once() {},
 * };
 * guard.watch(stream);
 * stream.push(new Uint8Array(5_000));
 * await new Promise((resolve) => setTimeout(resolve, 20));
 * assert.deepEqual(reset, [11]); // ENHANCE_YOUR_CALM
 * ```
 */
export class UnreadRequests {
  readonly #limits: UnreadLimits;
  readonly #onReset?: (stream: UnreadStream, excess: UnreadExcess) => void;
  readonly #unreadReplies?: () => ReadonlySet<unknown>;
  readonly #streams = new Set<UnreadStream>();
  #sweepSoon: ReturnType<typeof setTimeout> | undefined;

  /**
   * `onReset` is told of each stream reset, before it is. `unreadReplies`,
   * asked at each measure, names the streams whose replies the client is not
   * reading; only those are held to the limits. Without it, every stream is.
   */
  constructor(
    limits: UnreadLimits = DEFAULT_UNREAD_LIMITS,
    { onReset, unreadReplies }: {
      onReset?: (stream: UnreadStream, excess: UnreadExcess) => void;
      unreadReplies?: () => ReadonlySet<unknown>;
    } = {},
  ) {
    this.#limits = limits;
    this.#onReset = onReset;
    this.#unreadReplies = unreadReplies;
  }

  /** Measures `stream` until it closes, whenever it buffers what it receives. */
  watch(stream: UnreadStream): void {
    this.#streams.add(stream);
    stream.once("close", () => this.#streams.delete(stream));
    const push = stream.push;
    stream.push = (chunk, encoding) => {
      const more = push.call(stream, chunk, encoding);
      if (stream.readableLength > 0 && this.#sweepSoon === undefined) {
        this.#sweepSoon = setTimeout(() => {
          this.#sweepSoon = undefined;
          this.sweep();
        }, SWEEP_DELAY_MS);
      }
      return more;
    };
  }

  /** Measures every stream now, and resets those over the limits. */
  sweep(): void {
    const held: { stream: UnreadStream; cost: number }[] = [];
    const perSession = new Map<unknown, typeof held>();
    const unreadReplies = this.#unreadReplies?.();
    for (const stream of this.#streams) {
      if (unreadReplies && !unreadReplies.has(stream)) continue;
      const cost = unreadCost(stream);
      if (cost === 0) continue;
      const entry = { stream, cost };
      held.push(entry);
      const ofSession = perSession.get(stream.session);
      if (ofSession) ofSession.push(entry);
      else perSession.set(stream.session, [entry]);
    }
    if (held.length === 0) return;
    for (const ofSession of perSession.values()) {
      this.#resetLargest(ofSession, this.#limits.perConnection, "connection");
    }
    this.#resetLargest(held, this.#limits.total, "server");
  }

  /** Stops measuring. */
  stop(): void {
    clearTimeout(this.#sweepSoon);
    this.#streams.clear();
  }

  #resetLargest(
    entries: { stream: UnreadStream; cost: number }[],
    limit: number,
    scope: UnreadExcess["scope"],
  ): void {
    const open = entries.filter(({ stream }) => this.#streams.has(stream));
    let total = open.reduce((sum, { cost }) => sum + cost, 0);
    if (total <= limit) return;
    const largestFirst = open.sort((a, b) => b.cost - a.cost);
    for (const { stream, cost } of largestFirst) {
      if (total <= limit) return;
      this.#onReset?.(stream, { held: total, limit, scope });
      this.#streams.delete(stream);
      stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      total -= cost;
    }
  }
}
