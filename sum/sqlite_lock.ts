/**
 * Taking SQLite's write lock among several processes without SQLite's own
 * wait, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries: a commit
 * holds the lock about a millisecond, so a process that missed it once slept
 * through several of the other's commits, and missed it again. Two workers
 * on one file served 0.71× what one did on the bench's fan-in so; a fair
 * process could wait 0.7 s (four processes committing as fast as they could).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (fractions included); for a thread that waits on SQLite anyway. */
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * `BEGIN IMMEDIATE` on `db`, tried again after 50 µs, then twice as long each
 * time up to a millisecond, for up to `waitMs`; throws SQLite's `database is
 * locked` after that. `db`'s busy timeout is `waitMs` before and after (it
 * is lifted meanwhile, so that SQLite does not sleep on its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { beginImmediate } from "./sqlite_lock.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const [one, other] = [new DatabaseSync(path), new DatabaseSync(path)];
 * beginImmediate(one, 50);
 * assert.throws(() => beginImmediate(other, 50), /database is locked/);
 * one.exec("COMMIT");
 * beginImmediate(other, 50);
 * other.exec("COMMIT");
 * ```
 */
export function beginImmediate(db: DatabaseSync, waitMs: number): void {
  const deadline = performance.now() + waitMs;
  db.exec("PRAGMA busy_timeout = 0");
  try {
    for (let pause = 0.05;; pause = Math.min(pause * 2, 1)) {
      try {
        db.exec("BEGIN IMMEDIATE");
        return;
      } catch (error) {
        const locked = error instanceof Error && /database is locked/.test(error.message);
        if (!locked || performance.now() >= deadline) throw error;
      }
      sleep(pause);
    }
  } finally {
    db.exec(`PRAGMA busy_timeout = ${waitMs}`);
  }
}
