import type { Source } from "../wire/service.ts";

/** Options of a {@linkcode ReplayBuffer}. */
export interface ReplayBufferOptions {
  /** Items read and not yet confirmed, at most: reading waits beyond it. Default no limit. */
  window?: number;
}

/**
 * The items of a source, read once and kept until confirmed, so that each
 * attempt of a call can send them again from the oldest unconfirmed one and
 * then go on with the source. One reader pulls from the source however many
 * attempts come and go, so an attempt that fails while it waits for the
 * source loses nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplayBuffer } from "./replay.ts";
 * const buffer = new ReplayBuffer([1, 2, 3]);
 * const first: number[] = [];
 * for await (const item of buffer.replay()) {
 *   first.push(item);
 *   if (item === 2) break; // the attempt fails after sending 1 and 2...
 * }
 * buffer.confirm(); // ...with only 1 answered
 * assert.deepEqual(await Array.fromAsync(buffer.replay()), [2, 3]);
 * assert.deepEqual(first, [1, 2]);
 * ```
 */
export class ReplayBuffer<T> {
  readonly #source: Source<T>;
  readonly #window: number;
  #iterator: AsyncIterator<T> | Iterator<T> | undefined;
  #items: T[] = [];
  #head = 0;
  #lastConfirmed: T | undefined;
  /** Items confirmed so far: the index, from the start of the source, of the oldest kept. */
  #confirmed = 0;
  /** Items handed to any replay so far, counted from the start of the source. */
  #sent = 0;
  #done = false;
  #failure: { error: unknown } | undefined;
  #reading = false;
  #closed = false;
  #waiters: Array<() => void> = [];

  /** A buffer of `source`'s items, read no further than `window` ahead of the confirmed ones. */
  constructor(source: Source<T>, { window = Infinity }: ReplayBufferOptions = {}) {
    this.#source = source;
    this.#window = window;
  }

  /** Items read and not yet confirmed. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** The items read and not yet confirmed, oldest first. */
  unconfirmed(): T[] {
    return this.#items.slice(this.#head);
  }

  /** Items confirmed so far. */
  get confirmed(): number {
    return this.#confirmed;
  }

  /** Items ever handed to a replay: the ones after them were never sent. */
  get sent(): number {
    return this.#sent;
  }

  /** Whether the source has ended (or failed): no more items will be read. */
  get done(): boolean {
    return this.#done;
  }

  /** The item confirmed last, if any has been. */
  get lastConfirmed(): T | undefined {
    return this.#lastConfirmed;
  }

  /** Drops the oldest `count` items: their sending is done with. */
  confirm(count = 1): void {
    if (count > this.size) throw new RangeError(`cannot confirm ${count} of ${this.size} items`);
    if (count > 0) this.#lastConfirmed = this.#items[this.#head + count - 1];
    this.#head += count;
    this.#confirmed += count;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#wake();
  }

  /**
   * The unconfirmed items, oldest first, then each new one as the source
   * gives it; ends when the source does (throwing what it threw), or early,
   * without error, once `signal` aborts.
   */
  async *replay(signal?: AbortSignal): AsyncGenerator<T> {
    this.#read();
    let index = this.#confirmed;
    const wake = () => this.#wake();
    signal?.addEventListener("abort", wake);
    try {
      while (!signal?.aborted && !this.#closed) {
        if (index < this.#confirmed) index = this.#confirmed;
        const offset = index - this.#confirmed;
        if (offset < this.size) {
          index++;
          if (index > this.#sent) this.#sent = index;
          yield this.#items[this.#head + offset];
        } else if (this.#done) {
          if (this.#failure) throw this.#failure.error;
          return;
        } else {
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      }
    } finally {
      signal?.removeEventListener("abort", wake);
    }
  }

  /** Stops reading the source; replays end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    if (this.#reading && !this.#done) {
      Promise.resolve(this.#iterator?.return?.()).catch(() => {});
    }
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    const source = this.#source;
    this.#iterator = Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : source[Symbol.iterator]();
    try {
      while (!this.#closed) {
        while (this.size >= this.#window && !this.#closed) {
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
        if (this.#closed) return;
        const result = await this.#iterator.next();
        if (result.done) {
          // Ended by close() or by the source: only the source's end is the input's.
          this.#done = !this.#closed;
          break;
        }
        this.#items.push(result.value);
        this.#wake();
      }
    } catch (error) {
      this.#failure = { error };
      this.#done = true;
    } finally {
      this.#wake();
    }
  }
}
