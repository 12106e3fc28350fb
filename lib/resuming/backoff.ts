/** How long to wait between attempts: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** The first delay, in milliseconds. Default 100. */
  initialDelayMs?: number;
  /** The longest delay. Default 5000. */
  maxDelayMs?: number;
  /** Each delay is the one before times this. Default 2. */
  multiplier?: number;
  /**
   * Each delay is moved at random by up to this fraction of it, either way,
   * so that clients cut off together do not come back together. Default 0.2.
   */
  jitter?: number;
}

/**
 * Delays between attempts, growing from `initialDelayMs` by `multiplier` up
 * to `maxDelayMs`, as gRPC's connection backoff does; `reset()` after a
 * success starts again from the first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backoff } from "./backoff.ts";
 * const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 300, jitter: 0 });
 * assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 300]);
 * backoff.reset();
 * assert.equal(backoff.next(), 100);
 * ```
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #multiplier: number;
  readonly #jitter: number;
  #current: number;

  /** Delays as `options` say, from the first. */
  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialDelayMs ?? 100;
    this.#max = options.maxDelayMs ?? 5_000;
    this.#multiplier = options.multiplier ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#current = this.#initial;
  }

  /** The next delay, in milliseconds. */
  next(): number {
    const delay = this.#current;
    this.#current = Math.min(this.#current * this.#multiplier, this.#max);
    return Math.round(delay * (1 + this.#jitter * (2 * Math.random() - 1)));
  }

  /** Starts again from the first delay. */
  reset(): void {
    this.#current = this.#initial;
  }
}

/**
 * Resolves after `ms` milliseconds, or rejects with `signal`'s reason as soon
 * as it aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./backoff.ts";
 * await sleep(1);
 * await assert.rejects(sleep(60_000, AbortSignal.abort(new Error("stop"))), /stop/);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
