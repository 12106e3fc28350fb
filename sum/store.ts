/**
 * What every place the total is kept in has in common: changes are committed
 * in order, each checked on its own against int32, and everyone is told of
 * each committed total.
 *
 * @module
 */
import { isInt32 } from "../lib/int32.ts";
import type { CommitLedger, SequenceKey } from "./ledger.ts";

export type { SequenceKey };

/**
 * One change to the total: `amount`, the sum of `count` numbers. Changes with
 * the same `chain` come from one stream: once one of them is refused, the
 * ones after it are skipped, so a stream's numbers apply as a prefix.
 */
export interface Change {
  readonly amount: number;
  readonly count: number;
  readonly chain?: object;
  /** Its place in its client's sequence, for exactly-once (see `ledger.ts`). */
  readonly key?: SequenceKey;
}

/** A change as another thread or process gets it: its chain named by a number. */
export interface ChangeByValue {
  readonly amount: number;
  readonly count: number;
  readonly chain?: number;
  readonly key?: SequenceKey;
}

/** What became of a change. */
export type Outcome =
  /** Applied: the total right after it. */
  | { readonly total: number }
  /** Refused, as it would take `total` outside int32; nothing changed. */
  | { readonly refused: number }
  /** Not tried, because an earlier change of its chain was refused. */
  | { readonly skipped: true }
  /**
   * A keyed change the store can neither apply nor answer: too old for its
   * client's window, out of order, or of a client it has no record of.
   */
  | { readonly rejected: string; readonly full?: true };

/** Hears of every total committed, in commit order, and of the store going away and back. */
export interface StoreListener {
  committed(totals: readonly number[]): void;
  availability(available: boolean, reason: string): void;
  /** Something about the store its operator should know, in one line. */
  notice(message: string): void;
  /**
   * Totals committed by other servers were lost before this one heard of
   * them: its watchers cannot be told every total.
   */
  gap(message: string): void;
}

/**
 * Where the total is kept. A commit resolves only once its changes are
 * durable as the store promises; it throws a {@linkcode StoreFailure} if the
 * store could not take it.
 */
export interface TotalStore {
  /** The store as the user named it, for messages: `memory`, `sqlite:sum.db`, `redis://…`. */
  readonly name: string;
  /** The latest committed total this server knows of. */
  readonly total: number;
  /**
   * Whether changes are worth grouping into one commit: true where a commit
   * costs a flush to disk or a round trip.
   */
  readonly groupCommit: boolean;
  /** Whether the store can take commits now. */
  readonly available: boolean;
  /** Applies `changes` in order, each checked on its own, as one atomic commit. */
  commit(changes: readonly Change[]): Outcome[] | Promise<Outcome[]>;
  /**
   * Resolves once {@linkcode total} and the totals told to the listener
   * include every change committed anywhere before the call.
   */
  caughtUp(): Promise<void>;
  /** Sets the one listener. */
  listen(listener: StoreListener): void;
  /**
   * Connects, if the store is remote; resolves once the first attempt has
   * succeeded or failed, or rejects with a {@linkcode StoreOpenError} if no
   * later attempt could succeed.
   */
  connect(): Promise<void>;
  /** Closes the store; changes committed stay committed. */
  close(): Promise<void>;
}

/**
 * `changes` as another thread or process gets them: each chain named by a
 * number, from 1, the same number for the changes of one chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changesByValue } from "./store.ts";
 * const stream = {};
 * assert.deepEqual(
 *   changesByValue([{ amount: 1, count: 1, chain: stream }, { amount: 2, count: 1 }, {
 *     amount: 3,
 *     count: 1,
 *     chain: stream,
 *   }]),
 *   [{ amount: 1, count: 1, chain: 1 }, { amount: 2, count: 1 }, { amount: 3, count: 1, chain: 1 }],
 * );
 * ```
 */
export function changesByValue(changes: readonly Change[]): ChangeByValue[] {
  const chains = new Map<object, number>();
  return changes.map(({ amount, count, chain, key }) => {
    if (chain === undefined) return key ? { amount, count, key } : { amount, count };
    let id = chains.get(chain);
    if (id === undefined) chains.set(chain, id = chains.size + 1);
    return key ? { amount, count, chain: id, key } : { amount, count, chain: id };
  });
}

/** An error's message, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Thrown when a store cannot be opened; its message is one line for the user. */
export class StoreOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreOpenError";
  }
}

/** A commit the store could not take; `maybeApplied` when it may have happened all the same. */
export class StoreFailure extends Error {
  readonly maybeApplied: boolean;

  constructor(message: string, options: { maybeApplied: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "StoreFailure";
    this.maybeApplied = options.maybeApplied;
  }
}

/**
 * Applies `changes` in order to `total`, each checked against int32 on its
 * own; the rule every store follows (the Redis store's script mirrors it).
 * A keyed change is placed in its client's sequence through `ledger` first:
 * a duplicate gets the total it got before, a change that is neither next nor
 * a duplicate is rejected and stops its chain, like a refused one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyChanges } from "./store.ts";
 * const stream = {};
 * const { total, outcomes } = applyChanges(2147483640, [
 *   { amount: 5, count: 1, chain: stream },
 *   { amount: 5, count: 1, chain: stream },
 *   { amount: 1, count: 1, chain: stream },
 *   { amount: -1, count: 1 },
 * ]);
 * assert.equal(total, 2147483644);
 * assert.deepEqual(outcomes, [
 *   { total: 2147483645 },
 *   { refused: 2147483645 },
 *   { skipped: true },
 *   { total: 2147483644 },
 * ]);
 * ```
 */
export function applyChanges(
  total: number,
  changes: ReadonlyArray<Change | ChangeByValue>,
  ledger?: CommitLedger,
): { total: number; outcomes: Outcome[]; applied: number[] } {
  const outcomes: Outcome[] = new Array(changes.length);
  const applied: number[] = [];
  let refusedChains: Set<object | number> | undefined;
  for (let i = 0; i < changes.length; i++) {
    const { amount, chain, key } = changes[i];
    if (chain !== undefined && refusedChains?.has(chain)) {
      outcomes[i] = { skipped: true };
      continue;
    }
    const placement = key && ledger ? ledger.place(key) : undefined;
    if (placement && "duplicate" in placement) {
      outcomes[i] = { total: placement.duplicate };
      continue;
    }
    const next = total + amount;
    if (placement && "rejected" in placement) {
      outcomes[i] = placement;
    } else if (isInt32(next)) {
      total = next;
      applied.push(next);
      outcomes[i] = { total: next };
      if (key && ledger) ledger.applied(key, next);
      continue;
    } else {
      outcomes[i] = { refused: total };
    }
    if (chain !== undefined) (refusedChains ??= new Set()).add(chain);
  }
  return { total, outcomes, applied };
}

/** What every store is opened with. */
export interface StoreOptions {
  /**
   * How long a client's record of applied numbers (for exactly-once) is kept
   * after its last number. Default one hour.
   */
  clientExpiryMs?: number;
  /** Clients it keeps records of at once, at most; default 100,000. */
  maxClients?: number;
}

/** A listener that hears nothing, until a real one is set. */
export const NO_LISTENER: StoreListener = {
  committed() {},
  availability() {},
  notice() {},
  gap() {},
};
