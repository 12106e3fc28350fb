/**
 * Exactly-once: what a store remembers of each client's numbers, so that a
 * number resent with the same client id and sequence number is answered with
 * the total it got the first time instead of being applied again. The scheme
 * is Kafka's idempotent producer's: a client numbers what it sends 1, 2, 3, …;
 * the store keeps, per client, the last number it applied and the totals of
 * the last {@linkcode CLIENT_WINDOW} numbers.
 *
 * @module
 */

/** Totals kept per client: the most numbers a client may have sent and not seen answered. */
export const CLIENT_WINDOW = 4096;

/** How long a client's record is kept after its last number, unless told otherwise: one hour. */
export const DEFAULT_CLIENT_EXPIRY_MS = 3_600_000;

/** Clients a store keeps records of at once, unless told otherwise. */
export const DEFAULT_MAX_CLIENTS = 100_000;

/** A number's place in its client's sequence. */
export interface SequenceKey {
  readonly client: string;
  /** 1 for the client's first number, then one more for each. */
  readonly seq: number;
  /** Every number of the client up to this seq has had its reply. Default 0. */
  readonly confirmed?: number;
  /** The number was sent before, on a call that may have reached a server, with no reply. */
  readonly resend?: boolean;
}

/**
 * The key of a client's record: its id, and under mutual TLS, the identity
 * of its certificate before it, so that an id is only ever its owner's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientName, recordKey } from "./ledger.ts";
 * assert.equal(clientName(recordKey("1b4e28ba-2fa1-11d2", "AB:CD")), "1b4e28ba…");
 * ```
 */
export function recordKey(id: string, certificate?: string): string {
  return certificate === undefined ? id : `${certificate}\u0000${id}`;
}

/**
 * How messages and logs name a client: the start of its id, never the whole
 * of it, which would let anyone who reads them send numbers in its name.
 */
export function clientName(key: string): string {
  const id = key.slice(key.indexOf("\u0000") + 1);
  return `${id.slice(0, Math.min(8, Math.ceil(id.length / 2)))}…`;
}

/**
 * Whether `key` may start a client's record when the store has none: only a
 * number sent for the first time, with the reply of every number before it.
 * Any other (a resend, or one behind numbers still unanswered) might repeat
 * a number applied under a record since forgotten.
 */
export function startsRecord({ seq, confirmed = 0, resend = false }: SequenceKey): boolean {
  return !resend && confirmed === seq - 1;
}

/** What a store can tell of a client's record: nothing once it has expired. */
export interface LedgerReader {
  /** The last seq applied for `client`, or undefined if the store has no record of it. */
  last(client: string): number | undefined;
  /** The total `seq` of `client` got, if still kept. */
  totalAt(client: string, seq: number): number | undefined;
  /** How many clients it keeps records of now. */
  clients(): number;
}

/** What a commit adds to one client's record. */
export interface ClientRecord {
  /** The store had no record of the client before this commit (drop what it kept, if anything). */
  readonly fresh: boolean;
  /** The last seq applied, after the commit. */
  last: number;
  /** `[seq, total]` of each number applied in the commit, in order. */
  readonly totals: Array<[seq: number, total: number]>;
}

/** What became of a keyed number, before it was tried. */
export type Placement =
  /** Applied before: its total then. */
  | { readonly duplicate: number }
  /** Next in its client's sequence: apply it. */
  | { readonly next: true }
  /** Neither: why it can be neither applied nor answered; `full` when records are at their limit. */
  | { readonly rejected: string; readonly full?: true };

/**
 * The client records of one commit, read through to the store's and
 * overlaid with what the commit has applied so far, so that a number resent
 * within the same commit is found too.
 */
export class CommitLedger {
  readonly #store: LedgerReader;
  readonly #window: number;
  readonly #expiryMs: number;
  /** Per client touched by the commit: what it adds. */
  readonly records = new Map<string, ClientRecord>();
  /** Per client looked up: the last seq the store has for it, read once per commit. */
  readonly #stored = new Map<string, number | undefined>();

  readonly #inMemory: boolean;
  readonly #maxClients: number;
  /** Records this commit started, beside the store's. */
  #started = 0;

  /**
   * `inMemory`: the store's records do not outlive the server, as messages
   * then say. `maxClients`: records kept at most; a new client past it is
   * refused.
   */
  constructor(
    store: LedgerReader,
    window: number,
    expiryMs: number,
    { inMemory = false, maxClients = DEFAULT_MAX_CLIENTS } = {},
  ) {
    this.#store = store;
    this.#window = window;
    this.#expiryMs = expiryMs;
    this.#inMemory = inMemory;
    this.#maxClients = maxClients;
  }

  /** Where `key` stands in its client's sequence. */
  place(key: SequenceKey): Placement {
    const { client, seq } = key;
    const record = this.records.get(client);
    const last = record ? record.last : this.#storedLast(client);
    if (last === undefined) {
      if (!startsRecord(key)) {
        return { rejected: noRecord(key, this.#expiryMs, { inMemory: this.#inMemory }) };
      }
      if (this.#store.clients() + this.#started >= this.#maxClients) {
        return { rejected: tooManyClients(this.#maxClients, this.#expiryMs), full: true };
      }
      return { next: true };
    }
    if (seq === last + 1) return { next: true };
    if (seq > last) return { rejected: outOfOrder({ client, seq }, last) };
    const total = this.#recorded(client, seq, record);
    if (total !== undefined && seq > last - this.#window) return { duplicate: total };
    return { rejected: tooOld({ client, seq }, last, this.#window) };
  }

  /** Notes that `key`, placed next, was applied and gave `total`. */
  applied({ client, seq }: SequenceKey, total: number): void {
    let record = this.records.get(client);
    if (!record) {
      record = { fresh: this.#storedLast(client) === undefined, last: seq, totals: [] };
      if (record.fresh) this.#started++;
      this.records.set(client, record);
    }
    record.last = seq;
    record.totals.push([seq, total]);
  }

  #storedLast(client: string): number | undefined {
    if (this.#stored.has(client)) return this.#stored.get(client);
    const last = this.#store.last(client);
    this.#stored.set(client, last);
    return last;
  }

  #recorded(client: string, seq: number, record: ClientRecord | undefined): number | undefined {
    if (record) {
      const first = record.totals[0]?.[0];
      if (first !== undefined && seq >= first) return record.totals[seq - first][1];
      if (record.fresh) return undefined;
    }
    return this.#store.totalAt(client, seq);
  }
}

/** Why a number of a client the store has no record of cannot start one ({@linkcode startsRecord}). */
export function noRecord(
  key: SequenceKey,
  expiryMs: number,
  { inMemory = false }: { inMemory?: boolean } = {},
): string {
  const { client, seq, confirmed = 0, resend = false } = key;
  const lost = inMemory
    ? `forgotten after ${seconds(expiryMs)} idle, or lost when the server restarted, since ` +
      "its memory store keeps nothing across restarts"
    : `forgotten after ${seconds(expiryMs)} idle`;
  const from = resend || confirmed >= seq ? seq : confirmed + 1;
  const unknown = from === seq
    ? `whether number ${seq}${resend ? ", sent before," : ""} was applied is unknown`
    : `whether its numbers from ${from} on were applied is unknown`;
  return `number ${seq} of client ${
    clientName(client)
  }: the server has no record of this client (never ` +
    `seen, or ${lost}), so ${unknown}; not applied`;
}

/** Why a new client's number is refused while the store keeps as many records as it may. */
export function tooManyClients(max: number, expiryMs: number): string {
  return `the server keeps the records of ${max} clients, as many as it may (--max-clients), ` +
    `each until ${seconds(expiryMs)} after its last number: a new client is taken once some ` +
    "expire; not applied";
}

/** Why a number that skips some of its client's sequence is rejected. */
export function outOfOrder({ client, seq }: SequenceKey, last: number): string {
  return `number ${seq} of client ${
    clientName(client)
  } is out of order: the last applied is ${last}, ` +
    `so ${last + 1} must come next; not applied`;
}

/** Why a resend older than the window is rejected. */
export function tooOld({ client, seq }: SequenceKey, last: number, window: number): string {
  return `number ${seq} of client ${
    clientName(client)
  } was applied, but its total is no longer kept ` +
    `(the server keeps the last ${window} per client; the last applied is ${last})`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Per client: the last seq applied, the totals of the window's numbers, and when it was last seen. */
interface MemoryRecord {
  last: number;
  /** Totals by `seq % window`. */
  readonly ring: number[];
  seen: number;
}

/**
 * Client records in this process's memory, for the memory store. Records of
 * clients idle longer than `expiryMs` are forgotten, on reading and in a
 * sweep at most every tenth of `expiryMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CommitLedger, MemoryLedger } from "./ledger.ts";
 * const ledger = new MemoryLedger(4096, 60_000);
 * const commit = new CommitLedger(ledger, 4096, 60_000);
 * assert.deepEqual(commit.place({ client: "a", seq: 1 }), { next: true });
 * commit.applied({ client: "a", seq: 1 }, 5);
 * ledger.write(commit.records);
 * assert.deepEqual(new CommitLedger(ledger, 4096, 60_000).place({ client: "a", seq: 1 }), {
 *   duplicate: 5,
 * });
 * ```
 */
export class MemoryLedger implements LedgerReader {
  readonly #window: number;
  readonly #expiryMs: number;
  readonly #clients = new Map<string, MemoryRecord>();
  #swept = Date.now();

  constructor(window: number, expiryMs: number) {
    this.#window = window;
    this.#expiryMs = expiryMs;
  }

  /** Clients with a record. */
  get size(): number {
    return this.#clients.size;
  }

  clients(now = Date.now()): number {
    // Asked as new clients come: those expired since the last sweep go first.
    if (now - this.#swept >= 1_000) this.#sweep(now);
    return this.#clients.size;
  }

  last(client: string): number | undefined {
    return this.#live(client)?.last;
  }

  totalAt(client: string, seq: number): number | undefined {
    const record = this.#live(client);
    if (!record || seq > record.last || seq <= record.last - this.#window) return undefined;
    return record.ring[seq % this.#window];
  }

  /** Keeps what a commit applied. */
  write(records: ReadonlyMap<string, ClientRecord>, now = Date.now()): void {
    for (const [client, { fresh, last, totals }] of records) {
      let record = this.#clients.get(client);
      if (!record || fresh) this.#clients.set(client, record = { last, ring: [], seen: now });
      record.last = last;
      record.seen = now;
      for (const [seq, total] of totals) record.ring[seq % this.#window] = total;
    }
    if (now - this.#swept >= this.#expiryMs / 10) this.#sweep(now);
  }

  #live(client: string): MemoryRecord | undefined {
    const record = this.#clients.get(client);
    if (record && Date.now() - record.seen > this.#expiryMs) {
      this.#clients.delete(client);
      return undefined;
    }
    return record;
  }

  #sweep(now: number): void {
    this.#swept = now;
    for (const [client, { seen }] of this.#clients) {
      if (now - seen > this.#expiryMs) this.#clients.delete(client);
    }
  }
}
