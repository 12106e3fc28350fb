/**
 * An async queue with flow control: what a push-based producer hands on,
 * taken with `for await`.
 *
 * @module
 */

/** What feeds an {@linkcode Inbox}: a readable stream, or anything that can pause. */
export interface Producer {
  /** Called once the inbox holds `highWaterMark` items. */
  pause(): unknown;
  /** Called once a full inbox has been drained to half. */
  resume(): unknown;
}

/** How an {@linkcode Inbox} tells its producer that its consumer keeps up or falls behind. */
export interface InboxOptions {
  /** Items held before the producer is paused. Default 16. */
  highWaterMark?: number;
  /** Paused while the inbox is full, resumed once it has been drained to half. */
  producer?: Producer;
  /** Called when the consumer stops before the end (`break` in `for await`). */
  onReturn?: () => void;
  /**
   * Items held at most: pushing one more drops the oldest, for consumers
   * that would rather be current than complete. Default: no limit.
   */
  capacity?: number;
}

const done: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * An async iterator fed by a push-based producer, with flow control: it
 * pauses the producer while `highWaterMark` items wait, and resumes it when
 * half of them have been taken. After `end()` the items still held are
 * delivered, then the iteration ends or throws the error given to `end`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Inbox } from "./inbox.ts";
 * const inbox = new Inbox<number>();
 * inbox.push(1);
 * inbox.push(2);
 * inbox.end();
 * assert.deepEqual(await Array.fromAsync(inbox), [1, 2]);
 * ```
 *
 * @example With a capacity, the oldest items give way
 * ```ts
 * import assert from "node:assert/strict";
 * import { Inbox } from "./inbox.ts";
 * const latest = new Inbox<number>({ capacity: 2 });
 * for (const n of [1, 2, 3]) latest.push(n);
 * latest.end();
 * assert.deepEqual(await Array.fromAsync(latest), [2, 3]);
 * ```
 */
export class Inbox<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  // The pending next() of a consumer waiting for an item, if one is.
  #resolve: ((result: IteratorResult<T>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #ended = false;
  #error: unknown = undefined;
  #full = false;
  readonly #highWaterMark: number;
  readonly #producer: Producer | undefined;
  readonly #onReturn: (() => void) | undefined;
  readonly #capacity: number;

  /** An empty inbox. */
  constructor(options: InboxOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? 16;
    this.#producer = options.producer;
    this.#onReturn = options.onReturn;
    this.#capacity = options.capacity ?? Infinity;
  }

  /** How many items wait to be taken. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether `end` has been called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Adds an item (dropping the oldest if the inbox is at its capacity);
   * ignored once the inbox has ended.
   */
  push(item: T): void {
    if (this.#ended) return;
    const resolve = this.#resolve;
    if (resolve) {
      this.#settled();
      resolve({ value: item, done: false });
      return;
    }
    if (this.#items.length >= this.#capacity) this.#items.shift();
    this.#items.push(item);
    if (!this.#full && this.#items.length >= this.#highWaterMark) {
      this.#full = true;
      this.#producer?.pause();
    }
  }

  /** Ends the inbox: once the held items are taken, iteration ends, or throws `error` if given. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (!resolve || !reject) return;
    this.#settled();
    if (error === undefined) resolve(done);
    else reject(error);
  }

  #settled(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
  }

  /** The next item, once there is one; done once the inbox has ended and is empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      if (this.#full && this.#items.length <= this.#highWaterMark >> 1) {
        this.#full = false;
        this.#producer?.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      const error = this.#error;
      this.#error = undefined;
      return error === undefined ? Promise.resolve(done) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Stops taking items: drops those held, and tells the producer (`onReturn`). */
  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    if (!this.#ended) {
      this.#ended = true;
      this.#onReturn?.();
    }
    this.#error = undefined;
    return Promise.resolve(done);
  }

  /** The inbox itself: it is iterated once. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
