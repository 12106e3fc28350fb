/**
 * The totals a server commits, for its watchers to follow each at its own
 * pace: the last {@linkcode WATCH_BACKLOG} in a ring, and a cursor per
 * watcher. A commit appends its totals once, whatever the number of
 * watchers, and wakes only those waiting for a total; a watcher that does not
 * read costs the writers nothing. One that falls more than the ring behind
 * is sent every total up to the first the ring no longer holds, then ends
 * with {@linkcode TotalsMissed} rather than skip it.
 *
 * @module
 */

/**
 * Totals a watcher may fall behind by before it misses some. A server hears
 * the others' commits in bursts: a worker frozen or starved for half a
 * second while the others commit 100,000 numbers a second hears 50,000 at
 * once. With 1,024, a watcher skipped 175 of 1,200 totals when its worker
 * stalled on a loaded machine. An int32 each: 256 KiB per server, whatever
 * the number of watchers.
 */
export const WATCH_BACKLOG = 65_536;

/**
 * Ends a watcher that cannot be sent every total in order: it fell behind
 * the feed, or the store lost totals before this server heard of them. The
 * client may watch again, from the current total.
 */
export class TotalsMissed extends Error {
  constructor(message: string) {
    super(`${message}; watch again`);
    this.name = "TotalsMissed";
  }
}

/**
 * Committed totals, followed by watchers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TotalFeed } from "./total_feed.ts";
 * const feed = new TotalFeed();
 * const controller = new AbortController();
 * const seen: number[] = [];
 * const watching = (async () => {
 *   for await (const total of feed.follow(0, controller.signal)) seen.push(total);
 * })().catch(() => {});
 * feed.append([1, 3]);
 * await new Promise((resolve) => setTimeout(resolve, 10));
 * controller.abort();
 * await watching;
 * assert.deepEqual(seen, [0, 1, 3]);
 * ```
 */
export class TotalFeed {
  readonly #ring = new Int32Array(WATCH_BACKLOG);
  /** How many totals were ever appended: the next one's place. */
  #next = 0;
  #waiting: Array<() => void> = [];
  /** Bumped by {@linkcode end}: followers from before it end with `#endReason`. */
  #generation = 0;
  #endReason: unknown;

  /** Adds committed totals, in order, and wakes the followers waiting for one. */
  append(totals: readonly number[]): void {
    for (const total of totals) this.#ring[this.#next++ % WATCH_BACKLOG] = total;
    this.#wake();
  }

  /** Ends every current follower with `reason` (thrown from its iteration). */
  end(reason: unknown): void {
    this.#generation++;
    this.#endReason = reason;
    this.#wake();
  }

  /**
   * `current`, then every total appended from now on, until `signal` aborts
   * (throwing its reason). Throws {@linkcode TotalsMissed} at the first total
   * the ring no longer holds.
   */
  async *follow(current: number, signal: AbortSignal): AsyncGenerator<number> {
    const generation = this.#generation;
    let at = this.#next;
    yield current;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (generation !== this.#generation) throw this.#endReason;
      if (at < this.#next - WATCH_BACKLOG) {
        throw new TotalsMissed(
          `this watcher fell ${this.#next - at} totals behind, more than the ${WATCH_BACKLOG} ` +
            "the server keeps for it (it read slower than totals were committed)",
        );
      }
      if (at < this.#next) {
        yield this.#ring[at++ % WATCH_BACKLOG];
      } else {
        await this.#nextAppend(signal);
      }
    }
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }

  #nextAppend(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      this.#waiting.push(done);
    });
  }
}
