import assert from "node:assert/strict";
import { Inbox, pipelined } from "../mod.ts";

Deno.test("pipelined starts the next items' work before the first is done, and yields in source order", async () => {
  const gates = [Promise.withResolvers<string>(), Promise.withResolvers<string>()];
  const secondStarted = Promise.withResolvers<void>();
  const results = pipelined([0, 1], (i) => {
    if (i === 1) secondStarted.resolve();
    return gates[i].promise;
  });
  const first = results.next();
  gates[1].resolve("b");
  await secondStarted.promise;
  gates[0].resolve("a");
  assert.deepEqual(await first, { value: "a", done: false });
  assert.deepEqual(await results.next(), { value: "b", done: false });
  assert.deepEqual(await results.next(), { value: undefined, done: true });
});

Deno.test("pipelined takes results that are not promises as they are", async () => {
  assert.deepEqual(await Array.fromAsync(pipelined([1, 2, 3], (n) => n * 2)), [2, 4, 6]);
});

Deno.test("pipelined reads no further than `limit` results ahead of the consumer", async () => {
  const source = new Inbox<number>({ highWaterMark: 1000 });
  for (let i = 0; i < 100; i++) source.push(i);
  source.end();
  let started = 0;
  const results = pipelined(source, (n) => {
    started++;
    return n;
  }, { limit: 10 });
  await results.next();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(started <= 11, `${started} started with one taken`);
  assert.equal((await Array.fromAsync(results)).length, 99);
  assert.equal(started, 100);
});

Deno.test("pipelined fails at the failed item's place; results before it are yielded, and a later failure is not unhandled", async () => {
  const seen: number[] = [];
  const error = await (async () => {
    try {
      for await (
        const n of pipelined([1, 2, 3, 4], (n) => {
          if (n === 3) throw new Error("three");
          if (n === 4) return Promise.reject(new Error("four"));
          return Promise.resolve(n);
        })
      ) seen.push(n);
    } catch (error) {
      return error;
    }
  })();
  assert.deepEqual(seen, [1, 2]);
  assert.equal((error as Error).message, "three");
});

Deno.test("pipelined ends with the source's error after the results before it", async () => {
  async function* failing() {
    yield 1;
    throw new Error("source broke");
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of pipelined(failing(), (n) => n)) seen.push(n);
  }, /source broke/);
  assert.deepEqual(seen, [1]);
});

Deno.test("leaving a pipelined loop early stops reading the source", async () => {
  let read = 0;
  async function* counting() {
    for (let i = 0; i < 1000; i++) {
      read++;
      yield i;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  for await (const n of pipelined(counting(), (n) => n)) if (n === 2) break;
  const after = read;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok(read <= after + 1, `read ${read} after ${after}`);
});
