import assert from "node:assert/strict";
import { Inbox } from "./inbox.ts";

Deno.test("Inbox pauses its producer when full and resumes it when half drained", async () => {
  const events: string[] = [];
  const inbox = new Inbox<number>({
    highWaterMark: 4,
    producer: { pause: () => events.push("pause"), resume: () => events.push("resume") },
  });
  for (let i = 0; i < 4; i++) inbox.push(i);
  assert.deepEqual(events, ["pause"]);
  assert.equal((await inbox.next()).value, 0);
  assert.deepEqual(events, ["pause"]);
  assert.equal((await inbox.next()).value, 1);
  assert.deepEqual(events, ["pause", "resume"]);
});

Deno.test("Inbox delivers what it holds before the error it was ended with", async () => {
  const inbox = new Inbox<number>();
  inbox.push(1);
  inbox.push(2);
  inbox.end(new Error("broken"));
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of inbox) seen.push(n);
  }, /broken/);
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("Inbox hands a pushed item straight to a waiting consumer", async () => {
  const inbox = new Inbox<string>();
  const next = inbox.next();
  inbox.push("now");
  assert.deepEqual(await next, { value: "now", done: false });
});

Deno.test("Inbox tells its producer when the consumer leaves early", async () => {
  let returned = 0;
  const inbox = new Inbox<number>({ onReturn: () => returned++ });
  inbox.push(1);
  inbox.push(2);
  for await (const _ of inbox) break;
  assert.equal(returned, 1);
  inbox.push(3);
  assert.deepEqual(await inbox.next(), { value: undefined, done: true });
});

Deno.test("an Inbox at its capacity drops the oldest waiting item for a new one", async () => {
  const inbox = new Inbox<number>({ capacity: 2 });
  [1, 2, 3].forEach((n) => inbox.push(n));
  inbox.end();
  const seen = [];
  for await (const n of inbox) seen.push(n);
  assert.deepEqual(seen, [2, 3]);
});
