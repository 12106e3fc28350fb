import { DatabaseSync, type StatementSync } from "node:sqlite";
import { INT32_MAX, INT32_MIN } from "../lib/mod.ts";
import {
  CLIENT_WINDOW,
  clientName,
  type ClientRecord,
  CommitLedger,
  DEFAULT_CLIENT_EXPIRY_MS,
  DEFAULT_MAX_CLIENTS,
  type LedgerReader,
} from "./ledger.ts";
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

/** Options of {@linkcode SqliteFile.open}. */
export interface SqliteFileOptions {
  synchronous: SqliteSync;
  /** How long a client's record is kept after its last number; default one hour. */
  clientExpiryMs?: number;
  /** Clients it keeps records of at once, at most; default 100,000. */
  maxClients?: number;
}

// The total's row is made with its table, never again: a file whose row is
// gone is not one this store wrote (its client records would let resends
// through), and is refused rather than started again at 0.
const NEW_TOTAL = `
CREATE TABLE total (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO total (id, value) VALUES (1, 0);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL,
  seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS applied (client TEXT NOT NULL, seq INTEGER NOT NULL,
  total INTEGER NOT NULL, PRIMARY KEY (client, seq)) WITHOUT ROWID;
`;

/** Thrown for a file whose contents this store did not write; its message says what is wrong. */
class NotOurState extends Error {}

/** The total the file holds, checked to be one this store could have written. */
function storedTotal(db: DatabaseSync): number {
  const rows = db.prepare("SELECT value FROM total").all();
  if (rows.length !== 1) {
    throw new NotOurState(
      `its table total has ${rows.length} rows, not the one this store writes ` +
        "(restore the file, or start from a new one)",
    );
  }
  const { value } = rows[0];
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX
  ) {
    throw new NotOurState(
      `its total is ${JSON.stringify(String(value).slice(0, 24))}, not an int32 ` +
        "(restore the file, or start from a new one)",
    );
  }
  return value;
}

/**
 * The total in an SQLite file, on Deno's built-in `node:sqlite`: write-ahead
 * log, one transaction per commit. Beside the total, per client (for
 * exactly-once), the last number applied and the totals of the last
 * {@linkcode CLIENT_WINDOW}, written in the same transaction. The file is held with an exclusive lock for
 * as long as it is open, so a second server on it fails at once instead of
 * both serving from one file. Every call blocks until the disk has answered:
 * `sqlite_store.ts` runs it on a worker thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteFile } from "./sqlite_file.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const file = SqliteFile.open(path, { synchronous: "full" });
 * file.commit([{ amount: 7, count: 1 }]);
 * file.close();
 * assert.equal(SqliteFile.open(path, { synchronous: "full" }).total, 7);
 * ```
 */
export class SqliteFile {
  readonly #db: DatabaseSync;
  readonly #update: StatementSync;
  readonly #clients: SqliteClients;
  #total: number;

  private constructor(db: DatabaseSync, clientExpiryMs: number, maxClients: number) {
    this.#db = db;
    this.#update = db.prepare("UPDATE total SET value = ? WHERE id = 1");
    this.#clients = new SqliteClients(db, clientExpiryMs, maxClients);
    this.#total = storedTotal(db);
  }

  /** Opens (creating if need be) the file at `path`; throws a one-line `StoreOpenError`. */
  static open(
    path: string,
    {
      synchronous,
      clientExpiryMs = DEFAULT_CLIENT_EXPIRY_MS,
      maxClients = DEFAULT_MAX_CLIENTS,
    }: SqliteFileOptions,
  ): SqliteFile {
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
      const made = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'total'")
        .get();
      if (!made) db.exec(NEW_TOTAL);
      db.exec(SCHEMA);
      db.exec("COMMIT");
      return new SqliteFile(db, clientExpiryMs, maxClients);
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
    const ledger = changes.some((change) => change.key) ? this.#clients.ledger() : undefined;
    const { total, outcomes, applied } = applyChanges(this.#total, changes, ledger);
    if (applied.length === 0) return { outcomes, applied };
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#update.run(total);
      if (ledger) this.#clients.write(ledger.records);
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

/** The clients' records in the file, read as a commit places its changes. */
class SqliteClients implements LedgerReader {
  readonly #expiryMs: number;
  readonly #read: StatementSync;
  readonly #totalAt: StatementSync;
  readonly #upsert: StatementSync;
  readonly #insert: StatementSync;
  readonly #trim: StatementSync;
  readonly #forget: StatementSync;
  readonly #expire: StatementSync;
  readonly #expireApplied: StatementSync;
  readonly #maxClients: number;
  /** Rows of `clients`, kept as they are written and expired. */
  #count: number;
  #swept = 0;

  constructor(db: DatabaseSync, expiryMs: number, maxClients: number) {
    this.#expiryMs = expiryMs;
    this.#maxClients = maxClients;
    this.#count = Number(db.prepare("SELECT count(*) AS n FROM clients").get()?.n ?? 0);
    this.#read = db.prepare("SELECT last_seq, seen FROM clients WHERE id = ?");
    this.#totalAt = db.prepare("SELECT total FROM applied WHERE client = ? AND seq = ?");
    this.#upsert = db.prepare(
      "INSERT INTO clients (id, last_seq, seen) VALUES (?, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, seen = excluded.seen",
    );
    this.#insert = db.prepare(
      "INSERT OR REPLACE INTO applied (client, seq, total) VALUES (?, ?, ?)",
    );
    this.#trim = db.prepare("DELETE FROM applied WHERE client = ? AND seq <= ?");
    this.#forget = db.prepare("DELETE FROM applied WHERE client = ?");
    this.#expire = db.prepare("DELETE FROM clients WHERE seen < ?");
    this.#expireApplied = db.prepare(
      "DELETE FROM applied WHERE client IN (SELECT id FROM clients WHERE seen < ?)",
    );
  }

  ledger(): CommitLedger {
    return new CommitLedger(this, CLIENT_WINDOW, this.#expiryMs, { maxClients: this.#maxClients });
  }

  clients(): number {
    // At the limit, those expired since the last sweep go first (at most
    // once a second: outside a commit, each DELETE waits for the disk).
    const now = Date.now();
    if (this.#count >= this.#maxClients && now - this.#swept >= 1_000) this.#sweep(now);
    return this.#count;
  }

  last(client: string): number | undefined {
    const row = this.#read.get(client);
    if (!row || Date.now() - Number(row.seen) > this.#expiryMs) return undefined;
    return Number(row.last_seq);
  }

  totalAt(client: string, seq: number): number | undefined {
    const row = this.#totalAt.get(client, seq);
    if (!row) return undefined;
    const { total } = row;
    // Never answered with a value this store did not write.
    if (
      typeof total !== "number" || !Number.isInteger(total) || total < INT32_MIN ||
      total > INT32_MAX
    ) {
      throw new CommitFailed(
        `the total kept for number ${seq} of client ${clientName(client)} is not an int32`,
      );
    }
    return total;
  }

  /** Writes what a commit applied, inside its transaction; forgets idle clients now and then. */
  write(records: ReadonlyMap<string, ClientRecord>): void {
    const now = Date.now();
    for (const [client, { fresh, last, totals }] of records) {
      if (fresh) {
        this.#forget.run(client);
        if (!this.#read.get(client)) this.#count++;
      }
      this.#upsert.run(client, last, now);
      for (const [seq, total] of totals) this.#insert.run(client, seq, total);
      if (last > CLIENT_WINDOW) this.#trim.run(client, last - CLIENT_WINDOW);
    }
    if (now - this.#swept >= this.#expiryMs / 10) this.#sweep(now);
  }

  /** Forgets the clients idle longer than the expiry (inside a transaction, or as one). */
  #sweep(now: number): void {
    this.#swept = now;
    this.#expireApplied.run(now - this.#expiryMs);
    this.#count -= Number(this.#expire.run(now - this.#expiryMs).changes);
  }
}

/** Why the file could not be opened, in words a user can act on. */
function openFailure(error: unknown, path: string): string {
  if (error instanceof NotOurState) return error.message;
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
