/** Hooks an {@linkcode Inbox} calls as its consumer keeps up or falls behind. */
export interface InboxOptions {
  /** Items held before `onFull` is called. Default 16. */
  highWaterMark?: number;
  /** Called once the inbox holds `highWaterMark` items: stop the producer. */
  onFull?: () => void;
  /** Called once a full inbox has been drained to half: restart the producer. */
  onDrained?: () => void;
  /** Called when the consumer stops before the end (`break` in `for await`). */
  onReturn?: () => void;
}

type Waiter<T> = {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: unknown) => void;
};

const done: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * An async iterator fed by a push-based producer, with flow control: it asks
 * the producer to pause while `highWaterMark` items wait, and to resume when
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
  #waiter: Waiter<T> | undefined;
  #ended = false;
  #error: unknown = undefined;
  #full = false;
  readonly #highWaterMark: number;
  readonly #options: InboxOptions;

  constructor(options: InboxOptions = {}) {
    this.#options = options;
    this.#highWaterMark = options.highWaterMark ?? 16;
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
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#full && this.#items.length >= this.#highWaterMark) {
      this.#full = true;
      this.#options.onFull?.();
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
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    if (error === undefined) waiter.resolve(done);
    else waiter.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      if (this.#full && this.#items.length <= this.#highWaterMark >> 1) {
        this.#full = false;
        this.#options.onDrained?.();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      const error = this.#error;
      this.#error = undefined;
      return error === undefined ? Promise.resolve(done) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    if (!this.#ended) {
      this.#ended = true;
      this.#options.onReturn?.();
    }
    this.#error = undefined;
    return Promise.resolve(done);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
