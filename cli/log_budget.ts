/**
 * A budget of log lines a second, so that a log cannot be made an amplifier:
 * a client resetting thousands of calls a second would otherwise have the
 * server write a line for each. Lines past the budget are counted by kind and
 * told in one line when their second is over.
 *
 * @module
 */

/** What was left out in one second: count by kind. */
export type Skipped = ReadonlyMap<string, number>;

/**
 * At most `perSecond` lines in each second; `onSkipped` hears, once the
 * second is over, how many were left out, by kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogBudget } from "./log_budget.ts";
 * const told: Array<Map<string, number>> = [];
 * const budget = new LogBudget(2, (skipped) => told.push(new Map(skipped)));
 * assert.deepEqual([1, 2, 3, 4].map(() => budget.take("CANCELLED")), [true, true, false, false]);
 * budget.flush();
 * assert.deepEqual(told, [new Map([["CANCELLED", 2]])]);
 * ```
 */
export class LogBudget {
  readonly #perSecond: number;
  readonly #onSkipped: (skipped: Skipped) => void;
  #windowStart = 0;
  #taken = 0;
  #skipped = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(perSecond: number, onSkipped: (skipped: Skipped) => void) {
    this.#perSecond = perSecond;
    this.#onSkipped = onSkipped;
  }

  /** Whether a line of `kind` may be written now; if not, it is counted. */
  take(kind: string): boolean {
    const now = performance.now();
    if (now - this.#windowStart >= 1_000) {
      this.flush();
      this.#windowStart = now;
      this.#taken = 0;
    }
    if (this.#taken < this.#perSecond) {
      this.#taken++;
      return true;
    }
    this.#skipped.set(kind, (this.#skipped.get(kind) ?? 0) + 1);
    // Told when the second is over, even if no other line comes.
    this.#timer ??= setTimeout(() => this.flush(), this.#windowStart + 1_000 - now);
    return false;
  }

  /** Tells what was left out so far, if anything. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#skipped.size === 0) return;
    const skipped = this.#skipped;
    this.#skipped = new Map();
    this.#onSkipped(skipped);
  }
}
