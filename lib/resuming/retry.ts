import { Backoff, type BackoffOptions, sleep } from "./backoff.ts";
import { GrpcError } from "../error.ts";
import { Status } from "../status.ts";

/** When and how often a failed call is tried again. */
export interface RetryOptions extends BackoffOptions {
  /**
   * Give up once calls have been failing for this long, in milliseconds,
   * counted from the first failure after the last success. Default 30000.
   */
  retryForMs?: number;
  /** Whether a failure may be retried. Default {@linkcode isRetryable}. */
  retryable?: (error: unknown) => boolean;
  /** Aborting it stops retrying: the wait rejects with its reason. */
  signal?: AbortSignal;
  /** Told of each retry before its wait. */
  onRetry?: (event: RetryEvent) => void;
}

/** A failed attempt about to be retried. */
export interface RetryEvent {
  /** Why the attempt failed. */
  error: unknown;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Attempts failed since the last success, this one included: 1 when an outage begins. */
  failures: number;
  /** How long until the next attempt, in milliseconds. */
  delayMs: number;
}

/**
 * Whether a failure is one gRPC says to retry: `UNAVAILABLE`, the server or
 * the connection to it gone, with the call not processed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError, isRetryable, Status } from "../mod.ts";
 * assert.equal(isRetryable(new GrpcError(Status.UNAVAILABLE, "connection refused")), true);
 * assert.equal(isRetryable(new GrpcError(Status.INVALID_ARGUMENT, "bad")), false);
 * ```
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof GrpcError && error.code === Status.UNAVAILABLE;
}

/**
 * The retry loop of a call: after each failure, `failed()` waits for the next
 * attempt or throws once the failure is not to be retried or time is up;
 * `succeeded()` resets the backoff and the time budget.
 */
export class RetryPolicy {
  readonly #options: RetryOptions;
  readonly #backoff: Backoff;
  #failingSince: number | undefined;
  #failures = 0;
  #attempt = 1;

  /** The policy of one call, retrying as `options` say. */
  constructor(options: RetryOptions = {}) {
    this.#options = options;
    this.#backoff = new Backoff(options);
  }

  /** The attempt under way, from 1. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The call made progress: failures from now on have the whole budget again. */
  succeeded(): void {
    this.#failingSince = undefined;
    this.#failures = 0;
    this.#backoff.reset();
  }

  /**
   * The attempt failed with `error`: resolves when the next may start;
   * throws `error` if it may not be retried or `retryForMs` has run out.
   */
  async failed(error: unknown): Promise<void> {
    const { retryForMs = 30_000, retryable = isRetryable, signal, onRetry } = this.#options;
    if (signal?.aborted || !retryable(error)) throw error;
    const now = Date.now();
    this.#failingSince ??= now;
    const left = this.#failingSince + retryForMs - now;
    if (left <= 0) throw error;
    const delayMs = Math.min(this.#backoff.next(), left);
    onRetry?.({ error, attempt: this.#attempt, failures: ++this.#failures, delayMs });
    this.#attempt++;
    await sleep(delayMs, signal);
  }
}

/**
 * Calls `call` until it succeeds, retrying failures as `options` say, and
 * returns its result; throws the last failure when it gives up. Only for
 * calls that are safe to repeat: idempotent ones, or ones the server
 * deduplicates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError, retrying, Status } from "../mod.ts";
 * let calls = 0;
 * const result = await retrying(() => {
 *   if (++calls < 3) throw new GrpcError(Status.UNAVAILABLE, "not yet");
 *   return Promise.resolve("done");
 * }, { initialDelayMs: 1 });
 * assert.equal(result, "done");
 * assert.equal(calls, 3);
 * ```
 */
export async function retrying<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = new RetryPolicy(options);
  while (true) {
    try {
      return await call(policy.attempt);
    } catch (error) {
      await policy.failed(error);
    }
  }
}
