import { Inbox } from "../lib/mod.ts";
import { INT32_RANGE, isInt32 } from "./int32.ts";

/** Thrown when a change would take the total outside int32; the total is unchanged. */
export class TotalOutOfRange extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "TotalOutOfRange";
  }
}

/** Totals a watcher may fall behind by before the oldest unsent ones are dropped. */
export const WATCH_BACKLOG = 1024;

/**
 * One running total, an int32, shared by every caller. Each change is applied
 * whole or not at all, and every watcher is told the new total.
 *
 * @example
 * ```ts
 * import { RunningTotal } from "./total.ts";
 * const total = new RunningTotal();
 * total.add(1);
 * total.add(2); // 3
 * ```
 */
export class RunningTotal {
  #value = 0;
  readonly #watchers = new Set<Inbox<number>>();

  /** The current total. */
  get value(): number {
    return this.#value;
  }

  /** How many watchers are open. */
  get watchers(): number {
    return this.#watchers.size;
  }

  /** Adds `n`; returns the new total. */
  add(n: number): number {
    const next = this.#value + n;
    if (!isInt32(next)) {
      throw new TotalOutOfRange(
        `adding ${n} to the total ${this.#value} gives ${next}, outside int32 ${INT32_RANGE}; ` +
          `total unchanged`,
      );
    }
    return this.#set(next);
  }

  /** Adds a batch of `count` numbers summing to `batchSum` as one change; returns the new total. */
  addBatch(batchSum: number, count: number): number {
    const next = this.#value + batchSum;
    if (!isInt32(next)) {
      throw new TotalOutOfRange(
        `adding the batch of ${count} numbers (sum ${batchSum}) to the total ${this.#value} ` +
          `gives ${next}, outside int32 ${INT32_RANGE}; nothing applied, total unchanged`,
      );
    }
    return this.#set(next);
  }

  /**
   * The current total, then each new one, until `signal` aborts. A watcher
   * more than {@linkcode WATCH_BACKLOG} totals behind loses the oldest unsent
   * ones, so a slow watcher costs bounded memory and still ends up current.
   */
  async *watch(signal: AbortSignal): AsyncGenerator<number> {
    const updates = new Inbox<number>();
    const stop = () => updates.end(signal.reason);
    signal.addEventListener("abort", stop);
    if (signal.aborted) stop();
    updates.push(this.#value);
    this.#watchers.add(updates);
    try {
      yield* updates;
    } finally {
      this.#watchers.delete(updates);
      signal.removeEventListener("abort", stop);
    }
  }

  #set(next: number): number {
    this.#value = next;
    for (const watcher of this.#watchers) {
      if (watcher.size >= WATCH_BACKLOG) watcher.dropOldest();
      watcher.push(next);
    }
    return next;
  }
}
