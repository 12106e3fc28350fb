/**
 * Exactly-once as every store keeps it (`sum/ledger.ts`, and the Redis
 * script that mirrors it): the same specification run against the memory
 * store, a real SQLite file and a real Redis.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { CLIENT_WINDOW, noRecord, outOfOrder, tooOld } from "./ledger.ts";
import { MemoryStore } from "./memory_store.ts";
import { RedisStore } from "./redis_store.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { Change, StoreOptions, TotalStore } from "./store.ts";
import { startRedis } from "../testing/redis.ts";

interface OpenStore extends AsyncDisposable {
  store: TotalStore;
  /** The same store closed and opened again, where it outlives that. */
  reopen?(): Promise<TotalStore>;
}

const stores: Record<string, (options: StoreOptions) => Promise<OpenStore>> = {
  memory: (options) => {
    const store = new MemoryStore(options);
    return Promise.resolve({ store, [Symbol.asyncDispose]: () => store.close() });
  },
  sqlite: async (options) => {
    const dir = await Deno.makeTempDir({ prefix: "sum-ledger-" });
    const path = `${dir}/sum.db`;
    let store: TotalStore = await SqliteStore.open(path, options);
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        return store = await SqliteStore.open(path, options);
      },
      async [Symbol.asyncDispose]() {
        await store.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  },
  redis: async (options) => {
    const redis = await startRedis();
    let store = new RedisStore(redis.url, options);
    await store.connect();
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = new RedisStore(redis.url, options);
        await store.connect();
        return store;
      },
      async [Symbol.asyncDispose]() {
        await store.close();
        await redis[Symbol.asyncDispose]();
      },
    };
  },
};

const keyed = (client: string, seq: number, amount = 1, chain?: object): Change => ({
  amount,
  count: 1,
  chain,
  key: { client, seq },
});

for (const [kind, open] of Object.entries(stores)) {
  Deno.test(`${kind}: a resent number gets the total it got the first time and is not applied again, even within one commit`, async () => {
    await using opened = await open({});
    const { store } = opened;
    assert.deepEqual(
      await store.commit([keyed("a", 1, 5), keyed("a", 1, 5), { amount: 1, count: 1 }]),
      [
        { total: 5 },
        { total: 5 },
        { total: 6 },
      ],
    );
    assert.deepEqual(await store.commit([keyed("a", 1, 5), keyed("a", 2, 10)]), [
      { total: 5 },
      { total: 16 },
    ]);
    assert.equal(store.total, 16);
    if (opened.reopen) {
      const reopened = await opened.reopen();
      assert.deepEqual(await reopened.commit([keyed("a", 2, 10)]), [{ total: 16 }], "kept");
      assert.equal(reopened.total, 16);
    }
  });

  Deno.test(`${kind}: a number out of order, or of a client the store has no record of, is rejected and stops its stream`, async () => {
    await using opened = await open({ clientExpiryMs: 60_000 });
    const { store } = opened;
    const stream = {};
    assert.deepEqual(await store.commit([keyed("b", 2, 1, stream), keyed("b", 3, 1, stream)]), [
      { rejected: noRecord({ client: "b", seq: 2 }, 60_000, { inMemory: kind === "memory" }) },
      { skipped: true },
    ]);
    assert.deepEqual(await store.commit([keyed("b", 1), keyed("b", 3)]), [
      { total: 1 },
      { rejected: outOfOrder({ client: "b", seq: 3 }, 1) },
    ]);
    assert.equal(store.total, 1);
  });

  Deno.test(`${kind}: the totals of a client's last ${CLIENT_WINDOW} numbers are kept; a resend older than that is rejected, saying it was applied`, async () => {
    await using opened = await open({});
    const { store } = opened;
    const count = CLIENT_WINDOW + 4;
    for (let from = 1; from <= count; from += 1000) {
      const seqs = Array.from({ length: Math.min(1000, count - from + 1) }, (_, i) => from + i);
      await store.commit(seqs.map((seq) => keyed("c", seq)));
    }
    assert.deepEqual(await store.commit([keyed("c", 4)]), [
      { rejected: tooOld({ client: "c", seq: 4 }, count, CLIENT_WINDOW) },
    ]);
    assert.deepEqual(await store.commit([keyed("c", 5), keyed("c", count)]), [
      { total: 5 },
      { total: count },
    ]);
    assert.equal(store.total, count);
  });

  Deno.test(`${kind}: a client idle for longer than its expiry is forgotten`, async () => {
    await using opened = await open({ clientExpiryMs: 100 });
    const { store } = opened;
    assert.deepEqual(await store.commit([keyed("d", 1, 7)]), [{ total: 7 }]);
    await new Promise((resolve) => setTimeout(resolve, 250)); // the expiry running out
    assert.deepEqual(await store.commit([keyed("d", 2, 7)]), [
      { rejected: noRecord({ client: "d", seq: 2 }, 100, { inMemory: kind === "memory" }) },
    ]);
    assert.deepEqual(await store.commit([keyed("d", 1, 7)]), [{ total: 14 }], "a new client");
  });
}

Deno.test("memory: records of idle clients are swept, so they cannot pile up", async () => {
  const store = new MemoryStore({ clientExpiryMs: 50 });
  for (let i = 0; i < 100; i++) store.commit([keyed(`idle-${i}`, 1)]);
  assert.equal(store.clients.size, 100);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the expiry running out
  store.commit([keyed("late", 1)]);
  assert.equal(store.clients.size, 1);
});

Deno.test("sqlite: records of idle clients are deleted from the file, so they cannot pile up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sum-ledger-" });
  try {
    const store = await SqliteStore.open(`${dir}/sum.db`, { clientExpiryMs: 50 });
    for (let i = 0; i < 100; i++) await store.commit([keyed(`idle-${i}`, 1)]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the expiry running out
    await store.commit([keyed("late", 1)]);
    await store.close();
    const db = new DatabaseSync(`${dir}/sum.db`);
    const count = (table: string) => db.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.n;
    assert.deepEqual([count("clients"), count("applied")], [1, 1]);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
