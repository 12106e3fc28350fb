/**
 * A bound on what a server holds for a peer that does not read. Deno 2.8.3's
 * `node:http2` completes every write at once, whatever the peer's HTTP/2
 * flow-control window, and keeps what the peer has not taken in memory. This
 * counts the bytes queued on each connection against what its socket has
 * written, so that a streaming handler can wait while the difference is large;
 * streams that still flow on a connection held full by stopped readers write
 * on (`stuck_streams.ts`).
 *
 * Upstream: fixed by denoland/deno pull request 36044 (writes wait for the
 * peer's flow-control window), in the 2.9 line, which aborts on GOAWAY
 * (denoland/deno issue 36788). Remove this once the pinned Deno has both
 * fixes and a server stream to a client that stops reading stays held back
 * without it (the test "a server stream to a client that stops reading is
 * held back", in `send_window_test.ts`).
 *
 * @module
 */

import { StuckStreams } from "./stuck_streams.ts";

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
 * What a queued message costs the server beyond its bytes, held in Deno's
 * HTTP/2 session until the peer reads it: 118,000 replies of 12 bytes held
 * for a client that read nothing took about 15 MB more than their bytes.
 * Counting only bytes, 1 MiB of such replies held 15 MB a connection.
 */
const MESSAGE_COST = 128;

/**
 * Past this many times its limit, a connection holds every stream back, even
 * those found to flow beside stopped readers (`stuck_streams.ts`): what bounds
 * its memory when tries are misjudged.
 */
const CEILING = 4;

const windows = new WeakMap<object, SendWindow>();

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

/**
 * The bytes one connection has queued and not yet written to its socket. It
 * keeps a bound on them, the unsent bytes last read off the socket plus
 * everything queued since: while the bound is under the limit, the socket
 * need not be asked.
 *
 * @example
 * ```ts ignore
 * const window = SendWindow.of(http2Stream.session);
 * window?.add(bytes.length);
 * call.write(bytes);
 * if (window?.full) await window.drained(signal, http2Stream);
 * ```
 */
export class SendWindow {
  readonly #session: SessionLike;
  readonly #maxUnsent: number;
  #queued: number;
  #unsentAtMost = 0;
  /** Everything queued, in messages and in bytes: their ratio prices unsent bytes. */
  #messages = 0;
  #bytes = 0;
  /** Made once the connection is first full and a stream waits. */
  #stuck: StuckStreams | undefined;

  private constructor(session: SessionLike, maxUnsent: number) {
    this.#session = session;
    this.#maxUnsent = maxUnsent;
    this.#queued = session.socket?.bytesWritten ?? 0;
  }

  /**
   * The window of `session`, one for all its streams, full above `maxUnsent`
   * bytes (as first asked for); `undefined` if its socket does not count what
   * it writes.
   */
  static of(session: unknown, maxUnsent = DEFAULT_MAX_UNSENT_BYTES): SendWindow | undefined {
    if (typeof session !== "object" || session === null) return undefined;
    const { socket } = session as SessionLike;
    if (typeof socket?.bytesWritten !== "number") return undefined;
    let window = windows.get(session);
    if (!window) {
      window = new SendWindow(session, maxUnsent);
      windows.set(session, window);
    }
    return window;
  }

  /** Bytes queued and not yet written. */
  get unsent(): number {
    return this.#queued - (this.#session.socket?.bytesWritten ?? this.#queued);
  }

  /** Records a message of `bytes` bytes queued for sending. */
  add(bytes: number): void {
    this.#queued += bytes + PREFIX;
    this.#unsentAtMost += bytes + PREFIX;
    this.#messages++;
    this.#bytes += bytes + PREFIX;
  }

  /** What `unsent` bytes cost, with {@linkcode MESSAGE_COST} for each message among them. */
  #cost(unsent: number): number {
    return this.#bytes === 0 ? unsent : unsent * (1 + MESSAGE_COST * this.#messages / this.#bytes);
  }

  /** Whether the connection holds more unsent than allowed, each message priced with its cost. */
  get full(): boolean {
    if (this.#cost(this.#unsentAtMost) <= this.#maxUnsent) return false;
    this.#unsentAtMost = this.unsent;
    const cost = this.#cost(this.#unsentAtMost);
    return !this.#emptied(cost) && cost > this.#maxUnsent;
  }

  /** Whether `cost` is down to half the limit, where every stream writes freely again. */
  #emptied(cost: number): boolean {
    if (cost > this.#maxUnsent / 2) return false;
    this.#stuck?.reset();
    return true;
  }

  /**
   * Resolves once half of what is allowed is unsent, once `stream` (any
   * object that stands for it) may write on although the connection is full
   * because other streams' readers stopped ({@linkcode StuckStreams}), or
   * when `signal` aborts.
   */
  async drained(signal: AbortSignal, stream: object): Promise<void> {
    let pause = 1;
    for (;;) {
      if (signal.aborted) {
        this.#stuck?.release(stream);
        break;
      }
      const unsent = this.unsent;
      const cost = this.#cost(unsent);
      if (this.#emptied(cost)) break;
      this.#stuck ??= new StuckStreams(this.#maxUnsent / 8, (bytes) => this.#cost(bytes));
      const written = this.#session.socket?.bytesWritten ?? 0;
      if (cost <= CEILING * this.#maxUnsent && this.#stuck.mayWrite(stream, unsent, written)) break;
      await delay(this.#stuck.trying(stream) ? Math.min(pause, 5) : pause, signal);
      pause = Math.min(pause * 2, 50);
    }
    this.#unsentAtMost = this.unsent;
  }
}
