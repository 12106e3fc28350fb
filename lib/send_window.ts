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

/** Unsent bytes on one connection above which streaming responses wait. */
export const SEND_HIGH_WATER = 1024 * 1024;

/** gRPC's 5-byte message prefix and HTTP/2's 9-byte DATA frame header. */
const FRAMING = 14;

const queuedBySession = new WeakMap<object, { queued: number }>();

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
  readonly #ledger: { queued: number };

  private constructor(session: SessionLike & object) {
    this.#session = session;
    let ledger = queuedBySession.get(session);
    if (!ledger) {
      ledger = { queued: session.socket?.bytesWritten ?? 0 };
      queuedBySession.set(session, ledger);
    }
    this.#ledger = ledger;
  }

  /** The window of `session`, or `undefined` if its socket does not count what it writes. */
  static of(session: unknown): SendWindow | undefined {
    if (typeof session !== "object" || session === null) return undefined;
    const { socket } = session as SessionLike;
    if (typeof socket?.bytesWritten !== "number") return undefined;
    return new SendWindow(session);
  }

  /** Bytes queued and not yet written. */
  get unsent(): number {
    return this.#ledger.queued - (this.#session.socket?.bytesWritten ?? this.#ledger.queued);
  }

  /** Records a message of `bytes` bytes queued for sending. */
  add(bytes: number): void {
    this.#ledger.queued += bytes + FRAMING;
  }

  /** Whether the connection holds more unsent bytes than {@linkcode SEND_HIGH_WATER}. */
  get full(): boolean {
    return this.unsent > SEND_HIGH_WATER;
  }

  /** Resolves once half the high water mark is unsent, or `signal` aborts. */
  async drained(signal: AbortSignal): Promise<void> {
    let pause = 1;
    while (this.unsent > SEND_HIGH_WATER / 2 && !signal.aborted) {
      await delay(pause, signal);
      pause = Math.min(pause * 2, 50);
    }
  }
}
