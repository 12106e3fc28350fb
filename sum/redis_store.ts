import { createClient, ErrorReply, type RedisClientType } from "@redis/client";
import { Buffer } from "node:buffer";
import { INT32_MAX, INT32_MIN } from "../lib/mod.ts";
import {
  type Change,
  changesByValue,
  messageOf,
  NO_LISTENER,
  type Outcome,
  type SequenceKey,
  StoreFailure,
  type StoreListener,
  StoreOpenError,
  type StoreOptions,
  type TotalStore,
} from "./store.ts";
import {
  CLIENT_WINDOW,
  DEFAULT_CLIENT_EXPIRY_MS,
  DEFAULT_MAX_CLIENTS,
  noRecord,
  outOfOrder,
  tooManyClients,
  tooOld,
} from "./ledger.ts";

/** Options of {@linkcode RedisStore}. */
export interface RedisStoreOptions extends StoreOptions {
  /** Put before every key, so that several services can share one Redis. Default `sum:`. */
  prefix?: string;
  /**
   * How long Redis may leave a connection without an answer before it is
   * dropped (failing the calls that wait on it) and made again. Default 3000 ms.
   */
  timeoutMs?: number;
  /** For a `rediss://` URL: the CA to trust (default the system's), and a client certificate. */
  tls?: RedisTls;
}

/** PEM texts for TLS to Redis. */
export interface RedisTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Batches of totals the stream keeps, at least, for replicas that fall behind. */
const STREAM_LENGTH = 10_000;

/** How soon a set-up that Redis refused is tried again. */
const SET_UP_RETRY_MS = 250;

/** How long one read of the tail waits for new totals. */
const TAIL_BLOCK_MS = 1_000;

/**
 * The checked add, run inside Redis so that no two servers can both pass a
 * check only one should. ARGV: the stream's length, the client window, the
 * client expiry in ms, the most clients, then per change its amount, its
 * chain (0 for none), its client ('' for none), its seq, its confirmed seq
 * and 1 for a resend (else 0). Mirrors `applyChanges` in `store.ts` and `CommitLedger` in
 * `ledger.ts`: each client's record is a hash (its `last`
 * seq, and seq → total for the window) that expires when idle. The totals it
 * made go to the stream as one entry, which every replica tails. Replies per
 * change: a kind and a number: 1 and the total after it (or, for a resend,
 * the total it got then), 0 and the total that refused it, 2 (skipped) and the
 * total, or for a rejected resend 3 (no record), 4 (out of order) or 5 (too
 * old) and the client's last seq, or 6 and the limit for a new client past
 * `maxClients` (ARGV[4]; records counted in a sorted set, by last seen).
 *
 * Redis does not undo a script's writes when it fails, so every key and value
 * it reads is checked before its first write: a key of another type (an
 * operator's mistake, another service's key) or a value that is not what this
 * store writes fails the commit, with nothing applied (`INVALID …`).
 */
const CHECKED_ADD = `
local function invalid(message) error({ err = 'INVALID ' .. message }) end
local function expect(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then
    invalid(key .. ' is a ' .. found .. ', where this store keeps a ' .. kind)
  end
end
local function integer(value, what, low, high)
  local n = string.match(value, '^%-?%d+$') and tonumber(value)
  if not n or n < low or n > high then
    invalid(what .. ' holds "' .. string.sub(value, 1, 24) .. '", not an integer from ' ..
      string.format('%.0f to %.0f', low, high))
  end
  return n
end
local function int32(value, what) return integer(value, what, -2147483648, 2147483647) end
expect(KEYS[1], 'string')
expect(KEYS[2], 'stream')
expect(KEYS[3], 'string')
expect(KEYS[5], 'zset')
local stored = redis.call('GET', KEYS[1])
local total = stored and int32(stored, KEYS[1]) or 0
local commits = redis.call('GET', KEYS[3])
if commits then integer(commits, KEYS[3], 0, 2 ^ 53) end
local window, expiry, max_clients = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local out, applied, refused, clients, order = {}, {}, {}, {}, {}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Clients with a record, by when last seen: counted only as new ones come.
local known, started = nil, 0
local function room()
  if known == nil then
    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - tonumber(expiry))
    known = redis.call('ZCARD', KEYS[5])
  end
  return known + started < max_clients
end
local function record(client)
  local c = clients[client]
  if not c then
    local key = KEYS[4] .. client
    expect(key, 'hash')
    local last = redis.call('HGET', key, 'last')
    c = { fresh = not last, totals = {} }
    if last then c.last = integer(last, key .. ' last', 1, 2 ^ 53) end
    clients[client] = c
  end
  return c
end
for i = 5, #ARGV, 6 do
  local amount, chain, client, seq = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local starts = ARGV[i + 5] == '0' and tonumber(ARGV[i + 4]) == seq - 1
  local kind, value, c = nil, nil, nil
  if chain ~= '0' and refused[chain] then
    kind, value = 2, total
  elseif client ~= '' then
    c = record(client)
    if c.last == nil then
      if not starts then
        kind, value = 3, 0
      elseif c.from == nil and not room() then
        kind, value = 6, max_clients
      end
    elseif seq > c.last + 1 then
      kind, value = 4, c.last
    elseif seq <= c.last then
      local t = c.totals[seq]
      if t == nil and seq > c.last - window then
        t = redis.call('HGET', KEYS[4] .. client, seq)
        if t then t = int32(t, KEYS[4] .. client .. ' ' .. seq) end
      end
      if t then kind, value = 1, t else kind, value = 5, c.last end
    end
  end
  if kind == nil then
    local sum = total + amount
    if sum < -2147483648 or sum > 2147483647 then
      kind, value = 0, total
    else
      total = sum
      applied[#applied + 1] = string.format('%d', total)
      kind, value = 1, total
      if c then
        if c.from == nil then
          c.from = seq
          order[#order + 1] = client
          if c.fresh then started = started + 1 end
        end
        c.totals[seq] = total
        c.last = seq
      end
    end
  end
  if (kind == 0 or kind >= 3) and chain ~= '0' then refused[chain] = true end
  out[#out + 1] = kind
  out[#out + 1] = value
end
if #applied > 0 then
  redis.call('SET', KEYS[1], total)
  local n = redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'n', n, 't', table.concat(applied, ','))
  for _, client in ipairs(order) do
    local c, key = clients[client], KEYS[4] .. client
    local fields = { 'last', c.last }
    for seq = c.from, c.last do
      fields[#fields + 1] = seq
      fields[#fields + 1] = c.totals[seq]
    end
    for s = 1, #fields, 1000 do
      redis.call('HSET', key, unpack(fields, s, math.min(s + 999, #fields)))
    end
    local old = {}
    for seq = math.max(1, c.from - window), c.last - window do old[#old + 1] = seq end
    for s = 1, #old, 1000 do
      redis.call('HDEL', key, unpack(old, s, math.min(s + 999, #old)))
    end
    redis.call('PEXPIRE', key, expiry)
    redis.call('ZADD', KEYS[5], now, client)
  end
end
return out`;

type Client = RedisClientType;

/**
 * A client id as the tail of its record's key: in hex, so that no id can
 * name another key of this store, or of a service whose prefix starts with
 * this one's (`P` and `Pclient:`).
 */
function clientKey(id: string): string {
  return Buffer.from(id).toString("hex");
}

/** Stream ids compare as two numbers: milliseconds, then a sequence. */
function idAfter(a: string, b: string): boolean {
  const [aMs, aSeq] = a.split("-").map(Number);
  const [bMs, bSeq] = b.split("-").map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}

/**
 * One total in Redis, shared by every server pointed at it. Each commit is
 * one call of a Lua script that checks and applies its changes atomically and
 * appends the new totals to a capped Redis Stream. Every server tails that
 * stream on a connection of its own, resuming from the last entry it saw
 * after a reconnect, so each one hears of every total, from every server, in
 * order and without gaps (Redis pub/sub loses what is published while a
 * subscriber reconnects).
 *
 * While Redis cannot be reached, commits fail at once (no offline queue) and
 * the store reports itself unavailable; it reconnects by itself.
 */
export class RedisStore implements TotalStore {
  readonly groupCommit = true;
  readonly name: string;
  readonly #keys: [
    total: string,
    stream: string,
    commits: string,
    clientPrefix: string,
    clients: string,
  ];
  readonly #clientExpiryMs: number;
  readonly #maxClients: number;
  readonly #commands: Client;
  readonly #tail: Client;
  #listener = NO_LISTENER;
  #total = 0;
  #lastId = "";
  /** The number of the last commit the tail read. */
  #lastCommit = 0;
  #sha = "";
  #available = false;
  /** Whether the listener was told the store is unreachable, and not yet that it is back. */
  #toldDown = false;
  #warnedNoAof = false;
  /** Why the store was last found unreachable. */
  #lastFailure = "not connected yet";
  #closed = false;
  #tailing: Promise<void> | undefined;
  /** Waiters for the tail to pass a stream id. */
  #waiters: Array<{ id: string; resolve(): void; reject(error: unknown): void }> = [];
  #firstAttempt = Promise.withResolvers<void>();
  #connecting: Promise<void> | undefined;
  #firstSettled = false;
  /** Why Redis refused the first attempt for good, if it did. */
  #refusal: string | undefined;
  #setUpRetry: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, options: RedisStoreOptions = {}) {
    // Named in messages, which reach clients: without its credentials.
    const prefix = options.prefix ?? "sum:";
    this.name = url.replace(/\/\/[^/@]*@/, "//") +
      (prefix === "sum:" ? "" : `?prefix=${encodeURIComponent(prefix)}`);
    // The fourth is the prefix of each client's record (a key per client).
    this.#keys = [
      `${prefix}total`,
      `${prefix}totals`,
      `${prefix}commits`,
      `${prefix}client:`,
      `${prefix}clients`,
    ];
    this.#clientExpiryMs = options.clientExpiryMs ?? DEFAULT_CLIENT_EXPIRY_MS;
    this.#maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    const parsed = new URL(url);
    parsed.search = "";
    const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2_000);
    // node-redis's command timeouts end only at the write: a command already
    // sent to a Redis that stopped answering waits for ever. A socket timeout
    // drops such a connection instead, failing what waits on it; the pings
    // (and the tail's blocking reads, 1 s each) keep a healthy one busy.
    const timeout = options.timeoutMs ?? 3_000;
    const tls = parsed.protocol === "rediss:" ? { tls: true as const, ...options.tls } : {};
    const base = {
      url: parsed.href,
      disableOfflineQueue: true,
      socket: { reconnectStrategy, connectTimeout: timeout, socketTimeout: timeout, ...tls },
    };
    this.#commands = createClient({ ...base, pingInterval: 1_000 }) as Client;
    // The tail answers at least once a blocking read (1 s).
    const tailTimeout = TAIL_BLOCK_MS + timeout;
    this.#tail = createClient({
      ...base,
      socket: { ...base.socket, connectTimeout: tailTimeout, socketTimeout: tailTimeout },
    }) as Client;
    // Commits need only the commands connection: it alone says whether the
    // store is available. A tail that fails fails the watchers waiting on it.
    this.#commands.on("error", (error: Error) => this.#down(error.message));
    this.#tail.on("error", (error: Error) => this.#failWaiters(this.#unreachable(error)));
    this.#commands.on("ready", () => {
      clearTimeout(this.#setUpRetry);
      this.#setUp();
    });
  }

  get total(): number {
    return this.#total;
  }

  get available(): boolean {
    return this.#available;
  }

  listen(listener: StoreListener): void {
    this.#listener = listener;
  }

  /**
   * Starts connecting; resolves once the first attempt has succeeded or
   * failed, and rejects with a {@linkcode StoreOpenError} if Redis refused
   * this server in a way no retry mends (its credentials, its permissions,
   * its database number). Unreachable, it resolves: the store reconnects.
   */
  connect(): Promise<void> {
    this.#connecting ??= (async () => {
      this.#commands.connect().catch(() => {});
      this.#tail.connect().catch(() => {});
      await this.#firstAttempt.promise;
      if (this.#refusal === undefined) return;
      await this.close();
      throw new StoreOpenError(`cannot open the store ${this.name}: ${this.#refusal}`);
    })();
    return this.#connecting;
  }

  async commit(changes: readonly Change[]): Promise<Outcome[]> {
    if (!this.#available) throw this.#unreachable(undefined, "; not applied");
    const args = [
      String(STREAM_LENGTH),
      String(CLIENT_WINDOW),
      String(this.#clientExpiryMs),
      String(this.#maxClients),
    ];
    for (const { amount, chain = 0, key } of changesByValue(changes)) {
      args.push(
        String(amount),
        String(chain),
        key ? clientKey(key.client) : "",
        String(key?.seq ?? 0),
        String(key?.confirmed ?? 0),
        key?.resend ? "1" : "0",
      );
    }
    let reply: number[];
    try {
      reply = await this.#run(args);
    } catch (error) {
      // An error Redis answered with (OOM, READONLY, …): the script did not run.
      if (error instanceof ErrorReply) {
        throw new StoreFailure(
          `the store ${this.name} refused the change (${error.message}); not applied`,
          { maybeApplied: false, cause: error },
        );
      }
      throw new StoreFailure(
        `the store ${this.name} did not answer (${messageOf(error)}); ` +
          "the change may or may not have been applied",
        { maybeApplied: true, cause: error },
      );
    }
    return changes.map(({ key }, i) => this.#outcome(reply[2 * i], reply[2 * i + 1], key));
  }

  #outcome(kind: number, value: number, key: SequenceKey | undefined): Outcome {
    switch (kind) {
      case 1:
        return { total: value };
      case 0:
        return { refused: value };
      case 2:
        return { skipped: true };
      case 3:
        return { rejected: noRecord(key!, this.#clientExpiryMs) };
      case 4:
        return { rejected: outOfOrder(key!, value) };
      case 6:
        return { rejected: tooManyClients(value, this.#clientExpiryMs), full: true };
      default:
        return { rejected: tooOld(key!, value, CLIENT_WINDOW) };
    }
  }

  async #run(args: string[]): Promise<number[]> {
    const call = { keys: this.#keys, arguments: args };
    try {
      return await this.#commands.evalSha(this.#sha, call) as number[];
    } catch (error) {
      // After a restart without persistence of its script cache.
      if (!/NOSCRIPT/.test(messageOf(error))) throw error;
      return await this.#commands.eval(CHECKED_ADD, call) as number[];
    }
  }

  async caughtUp(): Promise<void> {
    let last;
    try {
      if (!this.#available) throw this.#unreachable();
      last = (await this.#commands.xRevRange(this.#keys[1], "+", "-", { COUNT: 1 }))?.[0];
    } catch (error) {
      throw error instanceof StoreFailure ? error : this.#unreachable(error);
    }
    if (!last || !idAfter(last.id, this.#lastId)) return;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#waiters.push({ id: last.id, resolve, reject });
    await promise;
  }

  #unreachable(error?: unknown, more = ""): StoreFailure {
    const reason = error === undefined ? this.#lastFailure : messageOf(error);
    return new StoreFailure(`the store ${this.name} is unreachable (${reason})${more}`, {
      maybeApplied: false,
      cause: error,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#setUpRetry);
    this.#available = false;
    this.#failWaiters(
      new StoreFailure(`the store ${this.name} is closed`, { maybeApplied: false }),
    );
    for (const client of [this.#commands, this.#tail]) {
      if (client.isOpen) client.destroy();
    }
    await this.#tailing;
  }

  /** On every (re)connection: the script, persistence, and the tail of totals. */
  async #setUp(): Promise<void> {
    try {
      this.#sha = await this.#commands.scriptLoad(CHECKED_ADD);
      const persistence = await this.#commands.info("persistence");
      if (/^aof_enabled:0/m.test(persistence) && !this.#warnedNoAof) {
        this.#warnedNoAof = true;
        this.#listener.notice(
          `the Redis at ${this.name} has no append-only file (appendonly no): ` +
            "a restart of Redis would lose the total",
        );
      }
      if (this.#lastId === "") await this.#start();
      this.#available = true;
      if (this.#toldDown) this.#listener.availability(true, `reconnected to ${this.name}`);
      this.#toldDown = false;
      this.#tailing ??= this.#follow();
    } catch (error) {
      this.#down(messageOf(error));
      this.#setUpAgainSoon();
    } finally {
      this.#settleFirst();
    }
  }

  /**
   * A set-up that failed on a healthy connection (Redis still loading its
   * file, busy with a script, out of memory, …) is tried again, every
   * {@linkcode SET_UP_RETRY_MS}, until it succeeds: no reconnection would
   * bring it back. A new connection sets up on its own.
   */
  #setUpAgainSoon(): void {
    clearTimeout(this.#setUpRetry);
    this.#setUpRetry = setTimeout(() => {
      if (!this.#closed && !this.#available && this.#commands.isReady) this.#setUp();
    }, SET_UP_RETRY_MS);
  }

  /** The total, the stream's last id and the number of its last commit, read together. */
  async #start(): Promise<void> {
    const [total, last, commits] = await this.#commands.multi()
      .get(this.#keys[0])
      .xRevRange(this.#keys[1], "+", "-", { COUNT: 1 })
      .get(this.#keys[2])
      .exec() as unknown as [string | null, Array<{ id: string }>, string | null];
    this.#total = storedInteger(total, this.#keys[0], INT32_MIN, INT32_MAX);
    this.#lastId = last[0]?.id ?? "0-0";
    this.#lastCommit = storedInteger(commits, this.#keys[2], 0, Number.MAX_SAFE_INTEGER);
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      let entries;
      try {
        entries = await this.#tail.xRead({ key: this.#keys[1], id: this.#lastId }, {
          BLOCK: TAIL_BLOCK_MS,
          COUNT: 1_000,
        });
      } catch (error) {
        if (this.#closed) return;
        this.#failWaiters(this.#unreachable(error));
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const stream of (entries ?? []) as Array<{ messages: Entry[] }>) {
        for (const { id, message } of stream.messages) this.#heard(id, message);
      }
    }
  }

  #heard(id: string, { n, t }: Entry["message"]): void {
    this.#lastId = id;
    const values = typeof t === "string" && /^-?\d+(,-?\d+)*$/.test(t)
      ? t.split(",").map(Number)
      : [];
    const commit = Number(n);
    if (
      values.length === 0 || values.some((v) => v < INT32_MIN || v > INT32_MAX) ||
      !Number.isSafeInteger(commit) || commit <= this.#lastCommit
    ) {
      // Not an entry this store wrote: its watchers must not be shown it.
      this.#listener.gap(`${this.#keys[1]} holds an entry this store did not write (${id})`);
      return;
    }
    const missed = commit - this.#lastCommit - 1;
    this.#lastCommit = commit;
    this.#total = values[values.length - 1];
    if (missed > 0) {
      this.#listener.gap(
        `${missed} commits of other servers were trimmed from ${this.#keys[1]} before this ` +
          "server read them (it keeps the last 10,000)",
      );
    }
    this.#listener.committed(values);
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (idAfter(waiter.id, id)) return true;
      waiter.resolve();
      return false;
    });
  }

  #settleFirst(): void {
    this.#firstSettled = true;
    this.#firstAttempt.resolve();
  }

  #failWaiters(failure: StoreFailure): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
  }

  #down(reason: string): void {
    if (!this.#firstSettled) this.#refusal = refusalOf(reason);
    this.#settleFirst();
    // A refusal is told once, by connect().
    if (this.#closed || this.#refusal !== undefined) return;
    this.#available = false;
    this.#lastFailure = reason;
    const failure = this.#unreachable();
    this.#failWaiters(failure);
    if (this.#toldDown) return;
    this.#toldDown = true;
    this.#listener.availability(false, failure.message);
  }
}

/** A stored integer, 0 if absent; an `INVALID` error, as the script's, if it is not one in range. */
function storedInteger(value: string | null, key: string, low: number, high: number): number {
  if (value === null) return 0;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= low && n <= high)) {
    throw new Error(
      `INVALID ${key} holds "${value.slice(0, 24)}", not an integer from ${low} to ${high}`,
    );
  }
  return n;
}

/**
 * What a refusal of Redis that no retry mends means for the user, or
 * undefined for any other failure.
 */
function refusalOf(reason: string): string | undefined {
  if (/^(INVALID|WRONGTYPE)/.test(reason)) {
    return `its keys hold what this store does not write (${reason}): correct or delete them, ` +
      "or give this server a ?prefix= of its own";
  }
  if (/^WRONGPASS/.test(reason)) {
    return `Redis refused its user name or password (${reason}); check those in the URL`;
  }
  if (/^NOAUTH/.test(reason)) {
    return "Redis requires a password: give it in the URL, redis://:PASSWORD@HOST:PORT " +
      "(or redis://USER:PASSWORD@HOST:PORT)";
  }
  if (/^NOPERM/.test(reason)) {
    return `the Redis user lacks a permission the store needs (${reason})`;
  }
  if (/DB index is out of range|invalid DB index/i.test(reason)) {
    return `the database number in the URL does not exist on this Redis (${reason})`;
  }
  return undefined;
}

interface Entry {
  id: string;
  message: { n?: string; t?: string };
}
