import { LocalStore } from "./local_store.ts";
import { applyChanges, type Change, type Outcome, type TotalStore } from "./store.ts";

/**
 * The tutorial's store: a total in this process's memory, starting at 0 and
 * gone with the process. Commits are immediate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * assert.deepEqual(store.commit([{ amount: 2, count: 1 }, { amount: 3, count: 1 }]), [
 *   { total: 2 },
 *   { total: 5 },
 * ]);
 * assert.equal(store.total, 5);
 * ```
 */
export class MemoryStore extends LocalStore implements TotalStore {
  readonly groupCommit: boolean = false;
  readonly name = "memory";
  readonly available = true;
  #total = 0;

  get total(): number {
    return this.#total;
  }

  commit(changes: readonly Change[]): Outcome[] {
    const { total, outcomes, applied } = applyChanges(this.#total, changes);
    this.#total = total;
    if (applied.length > 0) this.listener.committed(applied);
    return outcomes;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
