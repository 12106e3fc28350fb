const encoder = new TextEncoder();

/** Bytes of output gathered before a write is forced. */
const BATCH = 16 * 1024;

/**
 * Writes lines to a byte stream in batches: a line goes out at the latest
 * once the event loop is idle, so interactive output is not held back, and
 * bulk output costs one write per 16 KiB.
 *
 * @example
 * ```ts ignore
 * const out = new LineWriter(Deno.stdout.writable);
 * await out.line("hello");
 * await out.close();
 * ```
 */
export class LineWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #buffer = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failure: unknown;

  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  /** Queues a line; the promise, when there is one, resolves once a batch is written. */
  line(text: string): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    this.#buffer += text + "\n";
    if (this.#buffer.length >= BATCH) return this.flush();
    this.#timer ??= setTimeout(() => this.flush().catch((error) => this.#failure = error), 0);
  }

  /** Writes what is queued. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer === "") return;
    const chunk = encoder.encode(this.#buffer);
    this.#buffer = "";
    await this.#writer.write(chunk);
  }

  /** Writes what is queued and lets go of the stream (which stays open). */
  async close(): Promise<void> {
    await this.flush();
    await this.#writer.ready;
    this.#writer.releaseLock();
  }
}
