import { DatabaseSync, type StatementSync } from "node:sqlite";
import { INT32_MAX, INT32_MIN } from "../lib/int32.ts";
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
import { FEED_SCHEMA, type News, SqliteFeed } from "./sqlite_feed.ts";
import { beginImmediate } from "./sqlite_lock.ts";

export type { News };

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
${FEED_SCHEMA}
CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL,
  seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS applied (client TEXT NOT NULL, seq INTEGER NOT NULL,
  total INTEGER NOT NULL, PRIMARY KEY (client, seq)) WITHOUT ROWID;
`;

/**
 * How long a commit waits for another process's to finish before it fails
 * (`database is locked`). A commit holds the lock while the disk takes it,
 * 6–12 ms at times on the machine this was measured on.
 */
export const LOCK_WAIT_MS = 5_000;

/** Thrown for a file whose contents this store did not write; its message says what is wrong. */
class NotOurState extends Error {}

/** Checks that the file's total is one this store could have written: one row, an int32. */
function checkTotalRow(db: DatabaseSync): void {
  const rows = db.prepare("SELECT value FROM total").all();
  if (rows.length !== 1) {
    throw new NotOurState(
      `its table total has ${rows.length} rows, not the one this store writes ` +
        "(restore the file, or start from a new one)",
    );
  }
  storedValue(rows[0].value);
}

/** The total's value as read, if it is an int32. */
function storedValue(value: unknown): number {
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
 * {@linkcode CLIENT_WINDOW}, and each commit's totals for the other processes
 * on the file (`sqlite_feed.ts`), all written in the same transaction.
 *
 * Several processes may serve from one file: each commit takes SQLite's
 * write lock (`BEGIN IMMEDIATE`, waiting up to {@linkcode LOCK_WAIT_MS} for
 * it, `sqlite_lock.ts`) and reads the total and the clients' records under
 * it, so commits are serialized whoever makes them. Every call blocks until the disk has
 * answered: `sqlite_store.ts` runs it on a worker thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteFile } from "./sqlite_file.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const [one, other] = [1, 2].map(() => SqliteFile.open(path, { synchronous: "full" }));
 * one.commit([{ amount: 7, count: 1 }]);
 * assert.deepEqual(other.commit([{ amount: 1, count: 1 }]), {
 *   outcomes: [{ total: 8 }],
 *   applied: [8],
 *   news: { totals: [7] },
 * });
 * assert.deepEqual(one.news(), { totals: [8] });
 * one.close();
 * other.close();
 * assert.equal(SqliteFile.open(path, { synchronous: "full" }).total, 8);
 * ```
 */
export class SqliteFile {
  readonly #db: DatabaseSync;
  readonly #read: StatementSync;
  readonly #update: StatementSync;
  readonly #clients: SqliteClients;
  readonly #feed: SqliteFeed;

  private constructor(db: DatabaseSync, clientExpiryMs: number, maxClients: number) {
    checkTotalRow(db);
    this.#db = db;
    this.#read = db.prepare("SELECT value FROM total WHERE id = 1");
    this.#update = db.prepare("UPDATE total SET value = ? WHERE id = 1");
    this.#clients = new SqliteClients(db, clientExpiryMs, maxClients);
    this.#feed = new SqliteFeed(db);
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
      db.exec(`PRAGMA busy_timeout = ${LOCK_WAIT_MS}`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
      // A write at once shows now rather than at the first call that the
      // file cannot be written.
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

  /** The committed total, read from the file. */
  get total(): number {
    return storedValue(this.#read.get()?.value);
  }

  /** What other processes committed since this one last read or committed. */
  news(): News {
    const news = this.#feed.read();
    this.#heard(news);
    return news;
  }

  /** {@linkcode news}, if another process has committed since the last look; cheap when none has. */
  newsIfAny(): News | undefined {
    const news = this.#feed.readIfChanged();
    if (news) this.#heard(news);
    return news;
  }

  /** Others' commits may have added clients: they are counted again when next needed. */
  #heard({ totals }: News): void {
    if (totals.length > 0) this.#clients.othersWrote();
  }

  /**
   * Applies `changes` in order, each checked on its own against the total
   * under the write lock, in one transaction; throws {@linkcode CommitFailed}
   * (rolled back) if the file cannot take it. `news`: what other processes
   * committed before it.
   */
  commit(
    changes: readonly ChangeByValue[],
  ): { outcomes: Outcome[]; applied: number[]; news: News } {
    const position = this.#feed.position;
    try {
      beginImmediate(this.#db, LOCK_WAIT_MS);
      const news = this.#feed.read();
      const ledger = changes.some((change) => change.key) ? this.#clients.ledger() : undefined;
      const { total, outcomes, applied } = applyChanges(this.total, changes, ledger);
      if (applied.length > 0) {
        this.#update.run(total);
        if (ledger) this.#clients.write(ledger.records);
        this.#feed.append(applied);
      }
      this.#db.exec("COMMIT");
      this.#heard(news);
      return { outcomes, applied, news };
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      this.#feed.rewind(position);
      this.#clients.othersWrote();
      throw error instanceof CommitFailed
        ? error
        : new CommitFailed(messageOf(error), { cause: error });
    }
  }

  /** Closes the file. */
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
  readonly #countRows: StatementSync;
  /**
   * Rows of `clients`, kept as this process writes them; counted again once
   * another process may have written some.
   */
  #count: number | undefined;
  #swept = 0;

  constructor(db: DatabaseSync, expiryMs: number, maxClients: number) {
    this.#expiryMs = expiryMs;
    this.#maxClients = maxClients;
    this.#countRows = db.prepare("SELECT count(*) AS n FROM clients");
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
    // once a second).
    const now = Date.now();
    if (this.#counted() >= this.#maxClients && now - this.#swept >= 1_000) this.#sweep(now);
    return this.#counted();
  }

  /** Another process wrote to the file: the count is taken again when next needed. */
  othersWrote(): void {
    this.#count = undefined;
  }

  #counted(): number {
    return this.#count ??= Number(this.#countRows.get()?.n ?? 0);
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
        if (!this.#read.get(client) && this.#count !== undefined) this.#count++;
      }
      this.#upsert.run(client, last, now);
      for (const [seq, total] of totals) this.#insert.run(client, seq, total);
      if (last > CLIENT_WINDOW) this.#trim.run(client, last - CLIENT_WINDOW);
    }
    if (now - this.#swept >= this.#expiryMs / 10) this.#sweep(now);
  }

  /** Forgets the clients idle longer than the expiry, inside a commit's transaction. */
  #sweep(now: number): void {
    this.#swept = now;
    this.#expireApplied.run(now - this.#expiryMs);
    this.#expire.run(now - this.#expiryMs);
    this.#count = undefined;
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
    return `another program held the file's write lock for more than ${LOCK_WAIT_MS / 1000} s`;
  }
  if (/unable to open database file/.test(message)) {
    if (!exists(path)) {
      return "cannot open or create the file (does its folder exist, and may it be written?)";
    }
    // An existing file fails so when its -wal and -shm files cannot be made beside it.
    return cannotWrite(`${message}: SQLite keeps a -wal and a -shm file beside it`);
  }
  if (/readonly|read-only|disk I\/O error/.test(message)) return cannotWrite(message);
  if (/file is not a database|malformed/.test(message)) {
    return `the file is not an SQLite database of this server (${message})`;
  }
  return message;
}

function cannotWrite(reason: string): string {
  return `the file cannot be written (${reason}): is its file system read-only or failing?`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
