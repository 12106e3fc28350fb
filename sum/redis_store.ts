import { createClient, ErrorReply, type RedisClientType } from "@redis/client";
import {
  type Change,
  changesByValue,
  messageOf,
  NO_LISTENER,
  type Outcome,
  StoreFailure,
  type StoreListener,
  type TotalStore,
} from "./store.ts";

/** Options of {@linkcode RedisStore}. */
export interface RedisStoreOptions {
  /** Put before every key, so that several services can share one Redis. Default `sum:`. */
  prefix?: string;
  /**
   * How long Redis may leave a connection without an answer before it is
   * dropped (failing the calls that wait on it) and made again. Default 3000 ms.
   */
  timeoutMs?: number;
}

/** Batches of totals the stream keeps, at least, for replicas that fall behind. */
const STREAM_LENGTH = 10_000;

/** How long one read of the tail waits for new totals. */
const TAIL_BLOCK_MS = 1_000;

/**
 * The checked add, run inside Redis so that no two servers can both pass a
 * check only one should. ARGV: the stream's length, then per change its
 * amount and its chain (0 for none). Mirrors `applyChanges` in `store.ts`. The
 * totals it made go to the stream as one entry, which every replica tails.
 * Replies per change: 1 and the total after it, 0 and the total that refused
 * it, or 2 (skipped) and the total.
 */
const CHECKED_ADD = `
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local out, applied, refused = {}, {}, {}
for i = 2, #ARGV, 2 do
  local amount, chain = tonumber(ARGV[i]), ARGV[i + 1]
  if chain ~= '0' and refused[chain] then
    out[#out + 1] = 2
  else
    local next = total + amount
    if next < -2147483648 or next > 2147483647 then
      if chain ~= '0' then refused[chain] = true end
      out[#out + 1] = 0
    else
      total = next
      applied[#applied + 1] = string.format('%d', total)
      out[#out + 1] = 1
    end
  end
  out[#out + 1] = total
end
if #applied > 0 then
  redis.call('SET', KEYS[1], total)
  local n = redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'n', n, 't', table.concat(applied, ','))
end
return out`;

type Client = RedisClientType;

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
  readonly #keys: [total: string, stream: string, commits: string];
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

  constructor(url: string, options: RedisStoreOptions = {}) {
    // Named in messages, which reach clients: without its credentials.
    this.name = url.replace(/\/\/[^/@]*@/, "//");
    const prefix = options.prefix ?? "sum:";
    this.#keys = [`${prefix}total`, `${prefix}totals`, `${prefix}commits`];
    const parsed = new URL(url);
    parsed.search = "";
    const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2_000);
    // node-redis's command timeouts end only at the write: a command already
    // sent to a Redis that stopped answering waits for ever. A socket timeout
    // drops such a connection instead, failing what waits on it; the pings
    // (and the tail's blocking reads, 1 s each) keep a healthy one busy.
    const timeout = options.timeoutMs ?? 3_000;
    const base = {
      url: parsed.href,
      disableOfflineQueue: true,
      socket: { reconnectStrategy, connectTimeout: timeout, socketTimeout: timeout },
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
    this.#commands.on("ready", () => this.#setUp());
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

  /** Starts connecting; resolves once the first attempt has succeeded or failed. */
  connect(): Promise<void> {
    this.#commands.connect().catch(() => {});
    this.#tail.connect().catch(() => {});
    return this.#firstAttempt.promise;
  }

  async commit(changes: readonly Change[]): Promise<Outcome[]> {
    if (!this.#available) throw this.#unreachable(undefined, "; not applied");
    const args = [String(STREAM_LENGTH)];
    for (const { amount, chain = 0 } of changesByValue(changes)) {
      args.push(String(amount), String(chain));
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
    const outcomes: Outcome[] = new Array(changes.length);
    for (let i = 0; i < changes.length; i++) {
      const [kind, total] = [reply[2 * i], reply[2 * i + 1]];
      outcomes[i] = kind === 1 ? { total } : kind === 0 ? { refused: total } : { skipped: true };
    }
    return outcomes;
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
    } finally {
      this.#firstAttempt.resolve();
    }
  }

  /** The total, the stream's last id and the number of its last commit, read together. */
  async #start(): Promise<void> {
    const [total, last, commits] = await this.#commands.multi()
      .get(this.#keys[0])
      .xRevRange(this.#keys[1], "+", "-", { COUNT: 1 })
      .get(this.#keys[2])
      .exec() as unknown as [string | null, Array<{ id: string }>, string | null];
    this.#total = Number(total ?? 0);
    this.#lastId = last[0]?.id ?? "0-0";
    this.#lastCommit = Number(commits ?? 0);
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
    if (typeof t !== "string" || typeof n !== "string") return; // not an entry of ours
    const missed = Number(n) - this.#lastCommit - 1;
    this.#lastCommit = Number(n);
    const values = t.split(",").map(Number);
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

  #failWaiters(failure: StoreFailure): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
  }

  #down(reason: string): void {
    this.#firstAttempt.resolve();
    if (this.#closed) return;
    this.#available = false;
    this.#lastFailure = reason;
    const failure = this.#unreachable();
    this.#failWaiters(failure);
    if (this.#toldDown) return;
    this.#toldDown = true;
    this.#listener.availability(false, failure.message);
  }
}

interface Entry {
  id: string;
  message: { n?: string; t?: string };
}
