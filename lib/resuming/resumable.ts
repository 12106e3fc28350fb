import type { Source } from "../wire/service.ts";
import { GrpcError } from "../error.ts";
import { ReplayBuffer } from "./replay.ts";
import { type RetryOptions, RetryPolicy } from "./retry.ts";
import { Status } from "../status.ts";

/** Options of {@linkcode resumable}. */
export interface ResumableOptions extends RetryOptions {
  /**
   * Requests sent and not yet answered, at most; reading the source waits
   * beyond it. These are what a new attempt sends again. Default 4096.
   */
  window?: number;
}

/** One attempt of a {@linkcode ResumableCall}. */
export interface Attempt {
  /** From 1. */
  attempt: number;
  /** Aborts when the attempt is given up: pass it to the call. */
  signal: AbortSignal;
}

/**
 * A streaming call in which the server answers every request with one
 * response, in order, that rides through failures: when an attempt fails in
 * a way that may be retried, a new one starts after a backoff and sends again,
 * in order, every request not yet answered, then the rest of the source.
 * Iterating it yields one response per request of the source, each once.
 *
 * Resending is safe only where the server recognises a request it has seen
 * (an id and a sequence number in each, say) and answers it again without
 * acting on it twice; the requests must carry what it needs.
 */
export class ResumableCall<T, Res> implements AsyncIterable<Res> {
  readonly #buffer: ReplayBuffer<T>;
  readonly #call: (requests: AsyncIterable<T>, attempt: Attempt) => AsyncIterable<Res>;
  readonly #options: ResumableOptions;

  /** A call of `source`'s requests, each attempt started by `call`; see {@linkcode resumable}. */
  constructor(
    source: Source<T>,
    call: (requests: AsyncIterable<T>, attempt: Attempt) => AsyncIterable<Res>,
    options: ResumableOptions = {},
  ) {
    this.#buffer = new ReplayBuffer(source, { window: options.window ?? 4096 });
    this.#call = call;
    this.#options = options;
  }

  /** The requests read from the source and not yet answered, oldest first. */
  unconfirmed(): T[] {
    return this.#buffer.unconfirmed();
  }

  /** The request answered last, if any has been. */
  get lastAnswered(): T | undefined {
    return this.#buffer.lastConfirmed;
  }

  /** Requests answered. */
  get answered(): number {
    return this.#buffer.confirmed;
  }

  /** Requests sent on some attempt: any read after them were never sent. */
  get sent(): number {
    return this.#buffer.sent;
  }

  /** Whether the whole source has been read. */
  get allRead(): boolean {
    return this.#buffer.done;
  }

  /** Runs the call, attempt after attempt: one response per request of the source, in order. */
  async *[Symbol.asyncIterator](): AsyncIterator<Res> {
    const policy = new RetryPolicy(this.#options);
    const { signal } = this.#options;
    const buffer = this.#buffer;
    try {
      while (true) {
        const current = new AbortController();
        const stop = () => current.abort(signal?.reason);
        signal?.addEventListener("abort", stop);
        // A server that breaks the one-response-per-request rule is not retried.
        let broken: GrpcError | undefined;
        try {
          const attempt = { attempt: policy.attempt, signal: current.signal };
          for await (const response of this.#call(buffer.replay(current.signal), attempt)) {
            if (buffer.size === 0) {
              throw broken = new GrpcError(
                Status.INTERNAL,
                "the server answered more requests than were sent",
              );
            }
            buffer.confirm();
            policy.succeeded();
            yield response;
          }
          if (buffer.size > 0 || !buffer.done) {
            throw broken = new GrpcError(
              Status.INTERNAL,
              `the server ended the call with ${buffer.size} requests unanswered`,
            );
          }
          return;
        } catch (error) {
          current.abort();
          if (error === broken) throw error;
          await policy.failed(error);
        } finally {
          current.abort();
          signal?.removeEventListener("abort", stop);
        }
      }
    } finally {
      buffer.close();
    }
  }
}

/**
 * Makes a {@linkcode ResumableCall}: `call` starts one attempt with the
 * requests to send (pass `attempt.signal` to it as the call's signal).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError, resumable, Status } from "../mod.ts";
 * // A server that answers each number with its double, and drops the
 * // connection once, after two answers:
 * let dropped = false;
 * async function* doubles(requests: AsyncIterable<number>) {
 *   let answered = 0;
 *   for await (const n of requests) {
 *     if (!dropped && answered === 2) {
 *       dropped = true;
 *       throw new GrpcError(Status.UNAVAILABLE, "connection dropped");
 *     }
 *     answered++;
 *     yield n * 2;
 *   }
 * }
 * const call = resumable([1, 2, 3, 4], (requests) => doubles(requests), { initialDelayMs: 1 });
 * assert.deepEqual(await Array.fromAsync(call), [2, 4, 6, 8]);
 * ```
 */
export function resumable<T, Res>(
  source: Source<T>,
  call: (requests: AsyncIterable<T>, attempt: Attempt) => AsyncIterable<Res>,
  options: ResumableOptions = {},
): ResumableCall<T, Res> {
  return new ResumableCall(source, call, options);
}
