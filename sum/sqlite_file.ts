import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  applyChanges,
  type ChangeByValue,
  messageOf,
  type Outcome,
  StoreOpenError,
} from "./store.ts";

/**
 * How hard a commit waits for the disk: `full` survives power loss;
 * `normal` survives a crash of the process but may lose the last commits to a
 * power loss, and commits faster.
 */
export type SqliteSync = "full" | "normal";

/** A commit that failed; nothing of it was applied. */
export class CommitFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CommitFailed";
  }
}

/**
 * The total in an SQLite file, on Deno's built-in `node:sqlite`: write-ahead
 * log, one transaction per commit. The file is held with an exclusive lock for
 * as long as it is open, so a second server on it fails at once instead of
 * both serving from one file. Every call blocks until the disk has answered:
 * `sqlite_store.ts` runs it on a worker thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteFile } from "./sqlite_file.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const file = SqliteFile.open(path, "full");
 * file.commit([{ amount: 7, count: 1 }]);
 * file.close();
 * assert.equal(SqliteFile.open(path, "full").total, 7);
 * ```
 */
export class SqliteFile {
  readonly #db: DatabaseSync;
  readonly #update: StatementSync;
  #total: number;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#update = db.prepare("UPDATE total SET value = ? WHERE id = 1");
    const row = db.prepare("SELECT value FROM total WHERE id = 1").get();
    this.#total = Number(row?.value);
  }

  /** Opens (creating if need be) the file at `path`; throws a one-line `StoreOpenError`. */
  static open(path: string, synchronous: SqliteSync): SqliteFile {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      db.exec("PRAGMA busy_timeout = 0");
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
      // A write at once takes the exclusive lock, and shows now rather than
      // at the first call that the file cannot be written.
      db.exec("BEGIN IMMEDIATE");
      db.exec(
        "CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
      );
      db.exec("INSERT OR IGNORE INTO total (id, value) VALUES (1, 0)");
      db.exec("COMMIT");
      return new SqliteFile(db);
    } catch (error) {
      try {
        db?.close();
      } catch {
        // the open failure is what matters
      }
      throw new StoreOpenError(
        `cannot open the store sqlite:${path}: ${openFailure(error, path)}`,
        { cause: error },
      );
    }
  }

  /** The committed total. */
  get total(): number {
    return this.#total;
  }

  /**
   * Applies `changes` in order, each checked on its own, in one transaction;
   * throws {@linkcode CommitFailed} (rolled back) if the file cannot take it.
   */
  commit(changes: readonly ChangeByValue[]): { outcomes: Outcome[]; applied: number[] } {
    const { total, outcomes, applied } = applyChanges(this.#total, changes);
    if (applied.length === 0) return { outcomes, applied };
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#update.run(total);
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw new CommitFailed(messageOf(error), { cause: error });
    }
    this.#total = total;
    return { outcomes, applied };
  }

  /** Closes the file, releasing its lock. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
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
