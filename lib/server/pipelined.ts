import type { Source } from "../wire/service.ts";

/** Options of {@linkcode pipelined}. */
export interface PipelinedOptions {
  /** Results started and not yet taken, at most; reading waits beyond it. Default 1024. */
  limit?: number;
}

const noop = () => {};

/**
 * Maps each item of `source` through `fn` without waiting for one result
 * before starting the next, and yields the results in the order of the
 * source, each as soon as it and those before it are ready. A result that is
 * not a promise is taken as it is.
 *
 * This is what lets a streaming handler whose work is asynchronous (a
 * database commit, say) keep up with a client that sends without waiting:
 * the next requests are read and their work started while the first is still
 * in progress, so work that can be batched is batched.
 *
 * A failed `fn` ends the iteration with its error, at its place in the order.
 * Leaving the loop early stops reading the source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipelined } from "./pipelined.ts";
 * const started: number[] = [];
 * const slowly = async (n: number) => {
 *   started.push(n);
 *   await new Promise((resolve) => setTimeout(resolve, 10 - 3 * n));
 *   return n * 10;
 * };
 * const results = await Array.fromAsync(pipelined([1, 2, 3], slowly));
 * assert.deepEqual(results, [10, 20, 30]);
 * ```
 */
export async function* pipelined<T, U>(
  source: Source<T>,
  fn: (item: T) => U | Promise<U>,
  options: PipelinedOptions = {},
): AsyncGenerator<U> {
  const limit = options.limit ?? 1024;
  const results: Array<U | Promise<U>> = [];
  let head = 0;
  let readDone = false;
  let readFailed: { error: unknown } | undefined;
  let stopped = false;
  let resultReady: (() => void) | undefined;
  let roomMade: (() => void) | undefined;
  const wake = () => {
    const resolve = resultReady;
    resultReady = undefined;
    resolve?.();
  };
  const read = async () => {
    try {
      for await (const item of source) {
        if (stopped) return;
        let result: U | Promise<U>;
        try {
          result = fn(item);
        } catch (error) {
          result = Promise.reject(error);
        }
        // Handled here so that a failure not yet reached is not reported as
        // unhandled; it is still thrown when its turn comes.
        if (result instanceof Promise) result.catch(noop);
        results.push(result);
        wake();
        if (results.length - head >= limit) {
          await new Promise<void>((resolve) => roomMade = resolve);
          if (stopped) return;
        }
      }
    } catch (error) {
      readFailed = { error };
    } finally {
      readDone = true;
      wake();
    }
  };
  read();
  try {
    while (true) {
      if (head < results.length) {
        const result = results[head];
        results[head++] = undefined as U;
        if (head >= 1024 && head * 2 >= results.length) {
          results.splice(0, head);
          head = 0;
        }
        const room = roomMade;
        roomMade = undefined;
        room?.();
        yield result instanceof Promise ? await result : result;
      } else if (readDone) {
        if (readFailed) throw readFailed.error;
        return;
      } else {
        await new Promise<void>((resolve) => resultReady = resolve);
      }
    }
  } finally {
    stopped = true;
    roomMade?.();
  }
}
