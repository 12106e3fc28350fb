/**
 * Which streams of a full connection may still write. A connection's send
 * window (`send_window.ts`) counts the bytes of all its streams, because
 * Deno 2.8.3 says nothing of each stream's own HTTP/2 window. So one stream
 * whose reader stopped (its peer grants it no more window, as gRPC clients do
 * when a call's messages go unread) fills the count with bytes that never
 * leave, and every other stream of the connection then waited for good: a
 * `Watch` left unread held back a `SumServer` call on the same channel after
 * some 50,000 replies, until the watcher read again.
 *
 * Once a full connection has written nothing for {@linkcode QUIET_MS}, the
 * bytes still held are those of streams whose windows are shut. The waiting
 * streams are then tried one at a time: one message each, which either
 * leaves (the stream flows) or does not (its window is shut too). Streams
 * found flowing write on, together, while the bytes held grow by less than
 * an allowance; past it, one of them has stopped too, and each is tried
 * again. A stream whose message stayed is tried again after a pause that
 * doubles, up to {@linkcode RETRY_MAX_MS}: a stopped reader costs one message
 * a try, and the allowance once. (The send window still holds every stream
 * back past a ceiling, whatever this says: a try can be misjudged when bytes
 * of another stream leave during it.) While streams are tried, other streams
 * joining a connection that flows are let through at once, unless they were
 * among those found to stop. All of it ends once the connection is no longer
 * full.
 *
 * @module
 */

/** How long a full connection must write nothing before its waiting streams are tried. */
export const QUIET_MS = 20;
/** How long a tried stream's message has to leave before its stream counts as stopped. */
export const TRY_MS = 50;
/** A try that cannot start (the connection keeps writing, slowly) is given up after this. */
const QUIET_WAIT_MAX_MS = 200;
/** The first pause before a stopped stream is tried again; it doubles up to RETRY_MAX_MS. */
const RETRY_MS = 100;
/**
 * The longest pause before a stopped stream is tried again: each try adds a
 * message that stays, so a reader stopped for a day costs 8,640 of them.
 */
export const RETRY_MAX_MS = 10_000;

interface Mark {
  /** The episode (a time the connection was full) this mark belongs to. */
  episode: number;
  /** The flowing group it was let into; once that group is broken up, it must be tried again. */
  group?: number;
  /** Its message stayed when it was tried: it must be tried again. */
  stopped: boolean;
  /** Not tried again before this time. */
  retryAt: number;
  /** The pause after its next failed try. */
  retryMs: number;
}

interface Try {
  stream: object;
  mark: Mark;
  startedAt: number;
  /** Once the stream was let write its message: when, and the bytes held before it. */
  sent?: { at: number; held: number };
}

/**
 * The streams of one full connection, and which may write. `held` is the
 * bytes the connection holds unsent, `written` the bytes its socket wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUIET_MS, StuckStreams } from "./stuck_streams.ts";
 * const streams = new StuckStreams(1_000);
 * const [watcher, adder] = [{}, {}];
 * // Full, and nothing written for a while: the watcher is tried first.
 * assert.equal(streams.mayWrite(watcher, 5_000, 100, 0), false);
 * assert.equal(streams.mayWrite(watcher, 5_000, 100, QUIET_MS), true);
 * // Its message stays (5,010 held); the adder waits while it is tried.
 * assert.equal(streams.mayWrite(adder, 5_010, 100, QUIET_MS + 1), false);
 * ```
 */
export class StuckStreams {
  readonly #allowance: number;
  readonly #price: (bytes: number) => number;
  #marks = new WeakMap<object, Mark>();
  #episode = 0;
  #active = false;
  /** The flowing group, if one was found: its members may write. */
  #group: number | undefined;
  #groups = 0;
  /** What the connection held when the group was found, lowered as it empties. */
  #base = 0;
  #try: Try | undefined;
  #written = 0;
  #lastWriteAt = 0;

  /**
   * Streams found flowing may add `allowance` to what the connection holds,
   * together, as `price` reckons bytes (by default, a byte each).
   */
  constructor(allowance: number, price: (bytes: number) => number = (bytes) => bytes) {
    this.#allowance = allowance;
    this.#price = price;
  }

  /** The connection is no longer full: every stream writes freely again. */
  reset(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#episode++;
    this.#group = undefined;
    this.#try = undefined;
  }

  /** Whether `stream` is being tried: it should look again soon. */
  trying(stream: object): boolean {
    return this.#try?.stream === stream;
  }

  /** Whether `stream`, waiting on a full connection, may write a message now. */
  mayWrite(stream: object, held: number, written: number, now = performance.now()): boolean {
    if (!this.#active || written !== this.#written) {
      this.#active = true;
      this.#written = written;
      this.#lastWriteAt = now;
    }
    if (this.#group !== undefined && held < this.#base) this.#base = held;
    if (this.#try) this.#settleTry(held, now);
    const mark = this.#markOf(stream);
    if (this.#try) return this.#try.stream === stream && this.#letTried(held, now);
    if (this.#group !== undefined && mark.group === this.#group) {
      if (this.#price(held - this.#base) <= this.#allowance) return true;
      this.#group = undefined; // one of the group stopped: each is tried again
      return false;
    }
    if (mark.retryAt > now) return false;
    if (this.#group !== undefined && mark.group === undefined && !mark.stopped) {
      mark.group = this.#group; // joins a connection that flows
      return true;
    }
    this.#try = { stream, mark, startedAt: now };
    return this.#letTried(held, now);
  }

  /** Ends the try of `stream`, if it was being tried: it stopped waiting. */
  release(stream: object): void {
    if (this.#try?.stream === stream) this.#try = undefined;
  }

  /** Lets the stream being tried write its one message, once the connection is quiet. */
  #letTried(held: number, now: number): boolean {
    const attempt = this.#try!;
    if (attempt.sent) return false;
    if (now - this.#lastWriteAt >= QUIET_MS) {
      attempt.sent = { at: now, held };
      return true;
    }
    if (now - attempt.startedAt > QUIET_WAIT_MAX_MS) this.#failed(attempt.mark, now);
    return false;
  }

  /** Whether the tried stream's message left (it flows) or stayed past TRY_MS (it stopped). */
  #settleTry(held: number, now: number): void {
    const { sent, mark } = this.#try!;
    if (!sent) return;
    if (held <= sent.held) {
      this.#try = undefined;
      if (this.#group === undefined) {
        this.#group = ++this.#groups;
        this.#base = held;
      }
      mark.group = this.#group;
      mark.stopped = false;
      mark.retryMs = RETRY_MS;
    } else if (now - sent.at > TRY_MS) {
      this.#failed(mark, now);
    }
  }

  #failed(mark: Mark, now: number): void {
    this.#try = undefined;
    mark.stopped = true;
    mark.retryAt = now + mark.retryMs;
    mark.retryMs = Math.min(mark.retryMs * 2, RETRY_MAX_MS);
  }

  #markOf(stream: object): Mark {
    let mark = this.#marks.get(stream);
    if (!mark || mark.episode !== this.#episode) {
      mark = { episode: this.#episode, stopped: false, retryAt: 0, retryMs: RETRY_MS };
      this.#marks.set(stream, mark);
    }
    return mark;
  }
}
