import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  applyChanges,
  type Change,
  NO_LISTENER,
  type Outcome,
  StoreFailure,
  type StoreListener,
  type TotalStore,
} from "./store.ts";

/**
 * How hard a commit waits for the disk: `full` survives power loss;
 * `normal` survives a crash of the process but may lose the last commits to a
 * power loss, and commits faster.
 */
export type SqliteSync = "full" | "normal";

/** Options of {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** Default `full`. */
  synchronous?: SqliteSync;
}

/** Thrown when a store cannot be opened; its message is one line for the user. */
export class StoreOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreOpenError";
  }
}

/**
 * The total in an SQLite file, on Deno's built-in `node:sqlite`: write-ahead
 * log, one transaction per commit. The file is held with an exclusive lock for
 * as long as the store is open, so a second server on it fails at once
 * instead of both serving from one file.
 *
 * A commit blocks the event loop until the disk has it (6–12 ms at times on
 * the machine this was measured on), so callers batch changes into one commit
 * (see `group_commit.ts`) rather than committing each on its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "./sqlite_store.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const store = SqliteStore.open(path);
 * store.commit([{ amount: 7, count: 1 }]);
 * await store.close();
 * const reopened = SqliteStore.open(path);
 * assert.equal(reopened.total, 7);
 * await reopened.close();
 * await Deno.remove(path);
 * ```
 */
export class SqliteStore implements TotalStore {
  readonly groupCommit = true;
  readonly name: string;
  readonly available = true;
  readonly #db: DatabaseSync;
  readonly #update: StatementSync;
  #total: number;
  #listener = NO_LISTENER;

  private constructor(name: string, db: DatabaseSync) {
    this.name = name;
    this.#db = db;
    this.#update = db.prepare("UPDATE total SET value = ? WHERE id = 1");
    const row = db.prepare("SELECT value FROM total WHERE id = 1").get();
    this.#total = Number(row?.value);
  }

  /** Opens (creating if need be) the store in the file at `path`. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const name = `sqlite:${path}`;
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      db.exec("PRAGMA busy_timeout = 0");
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      // A write at once takes the exclusive lock, and shows now rather than
      // at the first call that the file cannot be written.
      db.exec("BEGIN IMMEDIATE");
      db.exec(
        "CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
      );
      db.exec("INSERT OR IGNORE INTO total (id, value) VALUES (1, 0)");
      db.exec("COMMIT");
      return new SqliteStore(name, db);
    } catch (error) {
      try {
        db?.close();
      } catch {
        // the open failure is what matters
      }
      throw new StoreOpenError(`cannot open the store ${name}: ${openFailure(error, path)}`, {
        cause: error,
      });
    }
  }

  get total(): number {
    return this.#total;
  }

  commit(changes: readonly Change[]): Outcome[] {
    const { total, outcomes, applied } = applyChanges(this.#total, changes);
    if (applied.length === 0) return outcomes;
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#update.run(total);
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw new StoreFailure(
        `the store ${this.name} could not commit (${messageOf(error)}); not applied`,
        { maybeApplied: false, cause: error },
      );
    }
    this.#total = total;
    this.#listener.committed(applied);
    return outcomes;
  }

  caughtUp(): Promise<void> {
    return Promise.resolve();
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  listen(listener: StoreListener): void {
    this.#listener = listener;
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why the file could not be opened, in words a user can act on. */
function openFailure(error: unknown, path: string): string {
  const message = messageOf(error);
  if (error instanceof Deno.errors.NotCapable) {
    return `deno was not given access to the file; run it with --allow-read=${path} --allow-write=${path}`;
  }
  if (/database is locked/.test(message)) {
    return "the file is in use by another server (only one server may use a file)";
  }
  if (/unable to open database file/.test(message)) {
    return "cannot open or create the file (does its folder exist, and may it be written?)";
  }
  if (/readonly|read-only|disk I\/O error/.test(message)) {
    return `the file cannot be written (${message}): is its file system read-only or failing?`;
  }
  if (/file is not a database|malformed/.test(message)) {
    return `the file is not an SQLite database of this server (${message})`;
  }
  return message;
}
