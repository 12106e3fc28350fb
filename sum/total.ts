import { INT32_RANGE } from "../lib/mod.ts";
import { GroupCommit } from "./group_commit.ts";
import type { Outcome, SequenceKey, StoreListener, TotalStore } from "./store.ts";
import { TotalFeed, TotalsMissed } from "./total_feed.ts";

export { TotalsMissed };

/** Thrown when a change would take the total outside int32; the total is unchanged. */
export class TotalOutOfRange extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "TotalOutOfRange";
  }
}

/** Thrown for a change not tried because an earlier one of its stream was refused. */
export class ChangeSkipped extends Error {
  constructor() {
    super("not applied: an earlier number of the same call was refused");
    this.name = "ChangeSkipped";
  }
}

/** Thrown for a resent number the store can neither apply nor answer (see `ledger.ts`). */
export class SequenceRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SequenceRejected";
  }
}

/** Thrown for a new client's number while the store keeps as many client records as it may. */
export class TooManyClients extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TooManyClients";
  }
}

/** Thrown for a watch past the server's limit on watchers. */
export class TooManyWatchers extends Error {
  constructor(limit: number) {
    super(
      `the server has ${limit} watchers, as many as it takes (--max-watchers); try again later`,
    );
    this.name = "TooManyWatchers";
  }
}

/** Options of a {@linkcode RunningTotal}. */
export interface RunningTotalOptions
  extends Partial<Pick<StoreListener, "availability" | "notice">> {
  /** Watchers at most at once; default {@linkcode DEFAULT_MAX_WATCHERS}. */
  maxWatchers?: number;
}

/** Watchers a server takes at once unless told otherwise. */
export const DEFAULT_MAX_WATCHERS = 1_000;

/**
 * The running total, an int32, kept in a {@linkcode TotalStore} and shared by
 * every caller (and, with a shared store, every server). Each change is
 * applied whole or not at all, and is committed to the store before its new
 * total is returned; every watcher is told each committed total, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryStore } from "./memory_store.ts";
 * import { RunningTotal } from "./total.ts";
 * const total = new RunningTotal(new MemoryStore());
 * total.add(1);
 * assert.equal(await total.add(2), 3);
 * ```
 */
export class RunningTotal {
  readonly store: TotalStore;
  readonly #commits: GroupCommit;
  readonly #feed = new TotalFeed();
  readonly #maxWatchers: number;
  #watching = 0;

  /** Takes the store over; `options` hears what the store reports besides totals. */
  constructor(store: TotalStore, options: RunningTotalOptions = {}) {
    this.store = store;
    this.#commits = new GroupCommit(store);
    this.#maxWatchers = options.maxWatchers ?? DEFAULT_MAX_WATCHERS;
    store.listen({
      committed: (totals) => this.#feed.append(totals),
      availability: (available, reason) => options.availability?.(available, reason),
      notice: (message) => options.notice?.(message),
      gap: (message) => {
        options.notice?.(message);
        this.#feed.end(new TotalsMissed(message));
      },
    });
  }

  /** The latest committed total this server knows of. */
  get value(): number {
    return this.store.total;
  }

  /** How many watchers are open. */
  get watchers(): number {
    return this.#watching;
  }

  /**
   * Adds `n`; returns the new total once committed. Numbers of one stream pass
   * the same `chain`: after one is refused, the rest are not applied. With a
   * `key`, a number already applied is not applied again: its total then is
   * returned.
   */
  add(n: number, chain?: object, key?: SequenceKey): number | Promise<number> {
    return settle(
      this.#commits.submit({ amount: n, count: 1, chain, key }),
      (before) =>
        `adding ${n} to the total ${before} gives ${before + n}, outside int32 ${INT32_RANGE}; ` +
        `total unchanged`,
    );
  }

  /**
   * Adds a batch of `count` numbers summing to `batchSum` as one change;
   * returns the new total. With a `key`, as {@linkcode add}.
   */
  addBatch(batchSum: number, count: number, key?: SequenceKey): number | Promise<number> {
    return settle(
      this.#commits.submit({ amount: batchSum, count, key }),
      (before) =>
        `adding the batch of ${count} numbers (sum ${batchSum}) to the total ${before} ` +
        `gives ${
          before + batchSum
        }, outside int32 ${INT32_RANGE}; nothing applied, total unchanged`,
    );
  }

  /**
   * The current total, then each new one, until `signal` aborts. One that
   * does not read costs the writers nothing, and a slow one bounded memory:
   * more than `WATCH_BACKLOG` (`total_feed.ts`) totals behind, it ends with
   * {@linkcode TotalsMissed}, as it does if the store lost totals before
   * this server heard of them. Past `maxWatchers` it throws
   * {@linkcode TooManyWatchers}.
   */
  async *watch(signal: AbortSignal): AsyncGenerator<number> {
    if (this.#watching >= this.#maxWatchers) throw new TooManyWatchers(this.#maxWatchers);
    // Let go of at once when the call ends, not when its generator unwinds.
    this.#watching++;
    let counted = true;
    const release = () => {
      if (counted) this.#watching--;
      counted = false;
    };
    signal.addEventListener("abort", release, { once: true });
    try {
      await abortable(this.store.caughtUp(), signal);
      yield* this.#feed.follow(this.store.total, signal);
    } finally {
      signal.removeEventListener("abort", release);
      release();
    }
  }
}

/** `promise`, or `signal`'s reason once it aborts, whichever comes first. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const { promise: aborted, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([promise, aborted]).finally(() =>
    signal.removeEventListener("abort", onAbort)
  );
}

function settle(
  outcome: Outcome | Promise<Outcome>,
  refusal: (before: number) => string,
): number | Promise<number> {
  if (outcome instanceof Promise) return outcome.then((result) => totalOf(result, refusal));
  return totalOf(outcome, refusal);
}

function totalOf(outcome: Outcome, refusal: (before: number) => string): number {
  if ("total" in outcome) return outcome.total;
  if ("refused" in outcome) throw new TotalOutOfRange(refusal(outcome.refused));
  if ("rejected" in outcome) {
    throw outcome.full
      ? new TooManyClients(outcome.rejected)
      : new SequenceRejected(outcome.rejected);
  }
  throw new ChangeSkipped();
}
