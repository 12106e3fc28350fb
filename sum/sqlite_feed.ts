/**
 * The totals of each commit to an SQLite file, kept in the file itself so
 * that every process serving from it hears of every other's commits, in
 * order: the SQLite counterpart of the Redis store's stream of totals.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/**
 * Commits the file keeps for processes that have not read them yet. Each
 * process reads what is new every {@linkcode FEED_POLL_MS}, so only one whose
 * thread stood still for that many commits misses some.
 */
export const FEED_LENGTH = 1_000;

/** How often a process looks for commits of the others (`PRAGMA data_version`, a few µs). */
export const FEED_POLL_MS = 10;

/** The table; `totals` holds each total as 4 bytes, little-endian. */
export const FEED_SCHEMA =
  "CREATE TABLE IF NOT EXISTS feed (n INTEGER PRIMARY KEY, totals BLOB NOT NULL);";

/** Commits of other processes, as a process reads them. */
export interface News {
  /** Their totals, in commit order. */
  totals: number[];
  /** Why totals are missing before these, if some are: the watchers cannot be told every one. */
  gap?: string;
}

/**
 * One process's place in the feed: the commits it wrote and those it read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { FEED_SCHEMA, SqliteFeed } from "./sqlite_feed.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const [mine, theirs] = [new DatabaseSync(path), new DatabaseSync(path)];
 * mine.exec(FEED_SCHEMA);
 * const [writer, reader] = [new SqliteFeed(mine), new SqliteFeed(theirs)];
 * writer.append([1, 3]);
 * writer.append([6]);
 * assert.deepEqual(reader.readIfChanged(), { totals: [1, 3, 6] });
 * assert.equal(reader.readIfChanged(), undefined, "nothing new");
 * assert.deepEqual(writer.read(), { totals: [] }, "its own commits are not news to it");
 * ```
 */
export class SqliteFeed {
  readonly #after: StatementSync;
  readonly #append: StatementSync;
  readonly #trim: StatementSync;
  readonly #version: StatementSync;
  /** The last commit read or written. */
  #last: number;
  #dataVersion: unknown;

  constructor(db: DatabaseSync) {
    this.#after = db.prepare("SELECT n, totals FROM feed WHERE n > ? ORDER BY n");
    this.#append = db.prepare("INSERT INTO feed (n, totals) VALUES (?, ?)");
    this.#trim = db.prepare("DELETE FROM feed WHERE n <= ?");
    this.#version = db.prepare("PRAGMA data_version");
    this.#last = Number(db.prepare("SELECT max(n) AS n FROM feed").get()?.n ?? 0);
    this.#dataVersion = this.#version.get()?.data_version;
  }

  /** {@linkcode read}, if another connection has committed since the last look; cheap if none has. */
  readIfChanged(): News | undefined {
    const version = this.#version.get()?.data_version;
    if (version === this.#dataVersion) return undefined;
    const news = this.read();
    this.#dataVersion = version;
    return news;
  }

  /** The commits of others since the last read or write. */
  read(): News {
    const rows = this.#after.all(this.#last);
    const totals: number[] = [];
    let gap: string | undefined;
    for (const { n, totals: blob } of rows) {
      const at = Number(n);
      const missed = at - this.#last - 1;
      this.#last = at;
      const values = blob instanceof Uint8Array ? decode(blob) : undefined;
      if (values === undefined) {
        gap ??= `the file's table feed holds a row this store did not write (n=${at})`;
        continue;
      }
      if (missed > 0) {
        gap ??= `${missed} commits of other servers were trimmed from the file before this ` +
          `server read them (it keeps the last ${FEED_LENGTH.toLocaleString("en")})`;
      }
      totals.push(...values);
    }
    return gap === undefined ? { totals } : { totals, gap };
  }

  /**
   * Adds a commit's totals, inside its transaction, after {@linkcode read}
   * (so that it follows every commit before it).
   */
  append(totals: readonly number[]): void {
    const n = ++this.#last;
    this.#append.run(n, encode(totals));
    if (n % 100 === 0) this.#trim.run(n - FEED_LENGTH);
  }

  /** Where it is, to go back to if the transaction it read or wrote in is rolled back. */
  get position(): number {
    return this.#last;
  }

  /** Back to `position`, after a rollback: what was read since is read again. */
  rewind(position: number): void {
    this.#last = position;
  }
}

function encode(totals: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(totals.length * 4);
  const view = new DataView(bytes.buffer);
  totals.forEach((total, i) => view.setInt32(i * 4, total, true));
  return bytes;
}

function decode(blob: Uint8Array): number[] | undefined {
  if (blob.byteLength === 0 || blob.byteLength % 4 !== 0) return undefined;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const totals = new Array<number>(blob.byteLength / 4);
  for (let i = 0; i < totals.length; i++) totals[i] = view.getInt32(i * 4, true);
  return totals;
}
