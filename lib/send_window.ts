/**
 * A bound on what a server holds for a peer that does not read. Deno 2.8.3's
 * `node:http2` completes every write at once, whatever the peer's HTTP/2
 * flow-control window, and keeps what the peer has not taken in memory. This
 * counts the bytes queued on each connection against what its socket has
 * written, so that a streaming handler can wait while the difference is large.
 *
 * @module
 */

/** The parts of an HTTP/2 session this needs. */
interface SessionLike {
  socket?: { bytesWritten?: number } | null;
}

/** Unsent bytes on one connection above which streaming responses wait, by default. */
export const DEFAULT_MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * gRPC's 5-byte message prefix. HTTP/2 frame headers are not counted: Deno may
 * put several messages in one DATA frame, and a count that ran ahead of the
 * socket would never drain. Counting less than is written only errs late.
 */
const PREFIX = 5;

/**
 * What a connection has queued, and a bound on what of it is unsent: the
 * unsent bytes last read off the socket plus everything queued since. While
 * the bound is under the limit, the socket need not be asked.
 */
interface Ledger {
  queued: number;
  unsentAtMost: number;
}

const ledgers = new WeakMap<object, Ledger>();

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** The bytes one connection has queued and not yet written to its socket. */
export class SendWindow {
  readonly #session: SessionLike;
  readonly #ledger: Ledger;
  readonly #maxUnsent: number;

  private constructor(session: SessionLike & object, maxUnsent: number) {
    this.#session = session;
    this.#maxUnsent = maxUnsent;
    let ledger = ledgers.get(session);
    if (!ledger) {
      ledger = { queued: session.socket?.bytesWritten ?? 0, unsentAtMost: 0 };
      ledgers.set(session, ledger);
    }
    this.#ledger = ledger;
  }

  /**
   * The window of `session`, full above `maxUnsent` bytes; `undefined` if its
   * socket does not count what it writes.
   */
  static of(session: unknown, maxUnsent = DEFAULT_MAX_UNSENT_BYTES): SendWindow | undefined {
    if (typeof session !== "object" || session === null) return undefined;
    const { socket } = session as SessionLike;
    if (typeof socket?.bytesWritten !== "number") return undefined;
    return new SendWindow(session, maxUnsent);
  }

  /** Bytes queued and not yet written. */
  get unsent(): number {
    return this.#ledger.queued - (this.#session.socket?.bytesWritten ?? this.#ledger.queued);
  }

  /** Records a message of `bytes` bytes queued for sending. */
  add(bytes: number): void {
    this.#ledger.queued += bytes + PREFIX;
    this.#ledger.unsentAtMost += bytes + PREFIX;
  }

  /** Whether the connection holds more unsent bytes than allowed. */
  get full(): boolean {
    if (this.#ledger.unsentAtMost <= this.#maxUnsent) return false;
    this.#ledger.unsentAtMost = this.unsent;
    return this.#ledger.unsentAtMost > this.#maxUnsent;
  }

  /** Resolves once half the allowed bytes are unsent, or `signal` aborts. */
  async drained(signal: AbortSignal): Promise<void> {
    let pause = 1;
    while (this.unsent > this.#maxUnsent / 2 && !signal.aborted) {
      await delay(pause, signal);
      pause = Math.min(pause * 2, 50);
    }
    this.#ledger.unsentAtMost = this.unsent;
  }
}
