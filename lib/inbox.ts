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
 * import { Inbox } from "./inbox.ts";
 * const inbox = new Inbox<number>();
 * inbox.push(1);
 * inbox.push(2);
 * inbox.end();
 * for await (const n of inbox) console.log(n); // 1, then 2
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

  constructor(options: InboxOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? 16;
    this.#producer = options.producer;
    this.#onReturn = options.onReturn;
  }

  /** How many items wait to be taken. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether `end` has been called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds an item; ignored once the inbox has ended. */
  push(item: T): void {
    if (this.#ended) return;
    const resolve = this.#resolve;
    if (resolve) {
      this.#settled();
      resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#full && this.#items.length >= this.#highWaterMark) {
      this.#full = true;
      this.#producer?.pause();
    }
  }

  /** Drops the oldest waiting item, for producers that prefer losing old items to waiting. */
  dropOldest(): void {
    this.#items.shift();
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

  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    if (!this.#ended) {
      this.#ended = true;
      this.#onReturn?.();
    }
    this.#error = undefined;
    return Promise.resolve(done);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
