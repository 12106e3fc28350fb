import { SqliteFile, type SqliteSync } from "./sqlite_file.ts";
import type { News } from "./sqlite_feed.ts";
import type { WorkerNews, WorkerReply, WorkerRequest } from "./sqlite_worker.ts";
import { LocalStore } from "./local_store.ts";
import {
  type Change,
  changesByValue,
  type Outcome,
  StoreFailure,
  StoreOpenError,
  type StoreOptions,
  type TotalStore,
} from "./store.ts";

export type { SqliteSync };

/** How a store commits unless told otherwise: a commit survives power loss. */
const DEFAULT_SYNCHRONOUS: SqliteSync = "full";

/** Options of {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** Default `full`: a commit survives power loss. */
  synchronous?: SqliteSync;
}

/**
 * The total in an SQLite file (see `sqlite_file.ts`), committed on a worker
 * thread. `node:sqlite` commits block until the disk answers (6–12 ms at
 * times on the machine this was measured on); on the main thread that stalled
 * every connection, and since a turn of the event loop reads about 16
 * messages of a stream, it held a pipelining client to one commit per 16
 * numbers (47k numbers/s). On a worker, the numbers that arrive while a commit
 * is in flight form the next one.
 *
 * Any number of stores, in this process or others, may share one file: each
 * hears of the others' commits within `FEED_POLL_MS` (`sqlite_feed.ts`), and
 * {@linkcode caughtUp} reads them at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "./sqlite_store.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const [store, other] = await Promise.all([SqliteStore.open(path), SqliteStore.open(path)]);
 * await store.commit([{ amount: 7, count: 1 }]);
 * assert.deepEqual(await other.commit([{ amount: 1, count: 1 }]), [{ total: 8 }]);
 * await store.caughtUp();
 * assert.equal(store.total, 8);
 * await Promise.all([store.close(), other.close()]);
 * const reopened = await SqliteStore.open(path);
 * assert.equal(reopened.total, 8);
 * await reopened.close();
 * await Deno.remove(path);
 * ```
 */
export class SqliteStore extends LocalStore implements TotalStore {
  readonly groupCommit = true;
  readonly name: string;
  readonly #worker: Worker;
  /** Replies awaited, in the order the requests were sent. */
  readonly #replies: Array<(reply: WorkerReply) => void> = [];
  #total = 0;
  /** Why the store cannot commit any more, once its worker has failed. */
  #broken: string | undefined;
  #closed: Promise<void> | undefined;

  private constructor(name: string) {
    super();
    this.name = name;
    this.#worker = new Worker(new URL("./sqlite_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = ({ data }: MessageEvent<WorkerReply | WorkerNews>) => {
      if (data.kind === "news") this.#hear(data.news);
      else this.#replies.shift()!(data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#workerFailed(event.message);
    };
  }

  get available(): boolean {
    return this.#broken === undefined;
  }

  /** The worker died: what waits on it fails, and so does every commit after. */
  #workerFailed(reason: string): void {
    this.#broken = `its worker failed: ${reason}`;
    for (const reply of this.#replies.splice(0)) {
      reply({ kind: "failed", message: this.#broken, open: false });
    }
    this.listener.availability(false, `the store ${this.name} is unavailable (${this.#broken})`);
  }

  /**
   * Opens (creating if need be) the store in the file at `path`; rejects with
   * a one-line {@linkcode StoreOpenError} if it cannot.
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const synchronous = options.synchronous ?? DEFAULT_SYNCHRONOUS;
    // Named with its option where it is not the default, so that logs show it.
    const store = new SqliteStore(
      `sqlite:${path}${synchronous === DEFAULT_SYNCHRONOUS ? "" : `?synchronous=${synchronous}`}`,
    );
    const reply = await store.#ask({
      kind: "open",
      path,
      options: {
        synchronous,
        clientExpiryMs: options.clientExpiryMs,
        maxClients: options.maxClients,
      },
    });
    if (reply.kind === "opened") {
      store.#total = reply.total;
      return store;
    }
    store.#worker.terminate();
    throw new StoreOpenError(reply.kind === "failed" ? reply.message : `unexpected ${reply.kind}`);
  }

  /**
   * Throws the one-line {@linkcode StoreOpenError} that {@linkcode open}
   * would reject with, if any, having opened and closed the file on this
   * thread: for a process that checks the file but does not serve from it.
   * A worker thread costs about 35 MiB of memory that its end does not give
   * back.
   */
  static check(path: string, options: SqliteStoreOptions = {}): void {
    SqliteFile.open(path, { ...options, synchronous: options.synchronous ?? DEFAULT_SYNCHRONOUS })
      .close();
  }

  #ask(request: WorkerRequest): Promise<WorkerReply> {
    if (this.#broken !== undefined) {
      return Promise.resolve({ kind: "failed", message: this.#broken, open: false });
    }
    return new Promise((resolve) => {
      this.#replies.push(resolve);
      this.#worker.postMessage(request);
    });
  }

  get total(): number {
    return this.#total;
  }

  async commit(changes: readonly Change[]): Promise<Outcome[]> {
    if (this.#closed) {
      throw new StoreFailure(`the store ${this.name} is closed; not applied`, {
        maybeApplied: false,
      });
    }
    // Chains are objects of this thread: the worker gets a number for each.
    const reply = await this.#ask({ kind: "commit", changes: changesByValue(changes) });
    if (reply.kind !== "committed") {
      const reason = reply.kind === "failed" ? reply.message : reply.kind;
      throw new StoreFailure(`the store ${this.name} could not commit (${reason}); not applied`, {
        maybeApplied: false,
      });
    }
    this.#hear(reply.news);
    this.#committed(reply.applied);
    return reply.outcomes;
  }

  /** Tells the listener what other processes committed to the file. */
  #hear({ totals, gap }: News): void {
    if (gap !== undefined) this.listener.gap(`${this.name}: ${gap}`);
    this.#committed(totals);
  }

  /** Takes `totals`, committed in this order, as the latest, and tells the listener. */
  #committed(totals: readonly number[]): void {
    if (totals.length === 0) return;
    this.#total = totals[totals.length - 1];
    this.listener.committed(totals);
  }

  override async caughtUp(): Promise<void> {
    const reply = await this.#ask({ kind: "catch up" });
    if (reply.kind !== "caught up") {
      const reason = reply.kind === "failed" ? reply.message : reply.kind;
      throw new StoreFailure(`the store ${this.name} could not be read (${reason})`, {
        maybeApplied: false,
      });
    }
    this.#hear(reply.news);
  }

  /** Closes the file once the commits sent before have finished. */
  close(): Promise<void> {
    this.#closed ??= this.#ask({ kind: "close" }).then(() => this.#worker.terminate());
    return this.#closed;
  }
}
