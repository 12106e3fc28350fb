import {
  CLIENT_WINDOW,
  CommitLedger,
  DEFAULT_CLIENT_EXPIRY_MS,
  DEFAULT_MAX_CLIENTS,
  MemoryLedger,
} from "./ledger.ts";
import { LocalStore } from "./local_store.ts";
import {
  applyChanges,
  type Change,
  type Outcome,
  type StoreOptions,
  type TotalStore,
} from "./store.ts";

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
  readonly #clientExpiryMs: number;
  readonly #maxClients: number;
  /** What each client's numbers got, for exactly-once. */
  readonly clients: MemoryLedger;

  /** `clientExpiryMs`: how long a client's record is kept after its last number (default 1 h). */
  constructor(
    { clientExpiryMs = DEFAULT_CLIENT_EXPIRY_MS, maxClients = DEFAULT_MAX_CLIENTS }: StoreOptions =
      {},
  ) {
    super();
    this.#clientExpiryMs = clientExpiryMs;
    this.#maxClients = maxClients;
    this.clients = new MemoryLedger(CLIENT_WINDOW, clientExpiryMs);
  }

  get total(): number {
    return this.#total;
  }

  commit(changes: readonly Change[]): Outcome[] {
    const ledger = changes.some((change) => change.key)
      ? new CommitLedger(this.clients, CLIENT_WINDOW, this.#clientExpiryMs, {
        inMemory: true,
        maxClients: this.#maxClients,
      })
      : undefined;
    const { total, outcomes, applied } = applyChanges(this.#total, changes, ledger);
    this.#total = total;
    if (ledger && ledger.records.size > 0) this.clients.write(ledger.records);
    if (applied.length > 0) this.listener.committed(applied);
    return outcomes;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
