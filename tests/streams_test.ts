import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Inbox } from "../lib/inbox.ts";
import { overlapWrites, writeAll } from "../lib/streams.ts";

/** Lets every pending callback, timer and I/O event run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("writeAll stops pulling from the source while the stream is full and resumes on drain", async () => {
  const written: number[] = [];
  const held: (() => void)[] = [];
  const stream = new Writable({
    objectMode: true,
    highWaterMark: 4,
    write(chunk, _encoding, callback) {
      written.push(chunk);
      held.push(callback);
    },
  });
  let pulled = 0;
  function* source() {
    while (pulled < 100) yield pulled++;
  }
  const done = writeAll(stream, source(), new AbortController().signal);
  await settle();
  assert.ok(pulled <= 5, `pulled ${pulled} items into a stream that holds 4`);
  let finished = false;
  done.then(() => finished = true);
  while (!finished) {
    held.splice(0).forEach((release) => release());
    await settle();
  }
  assert.deepEqual(written, Array.from({ length: 100 }, (_, i) => i));
});

Deno.test("writeAll stops without error once its signal aborts", async () => {
  const controller = new AbortController();
  const stream = new Writable({ objectMode: true, highWaterMark: 1, write() {} });
  let pulled = 0;
  function* source() {
    while (true) yield pulled++;
  }
  const done = writeAll(stream, source(), controller.signal);
  await settle();
  controller.abort();
  await done;
  assert.ok(pulled <= 2);
});

Deno.test("overlapWrites passes on every write queued behind the one in flight at once, in order", async () => {
  const written: string[] = [];
  const held: (() => void)[] = [];
  const stream = new Writable({
    objectMode: true,
    write(chunk, _encoding, callback) {
      written.push(chunk);
      held.push(callback);
    },
  });
  overlapWrites(stream, {});
  let finished = false;
  stream.on("finish", () => finished = true);
  for (const chunk of ["a", "b", "c", "d"]) stream.write(chunk);
  stream.end();
  assert.deepEqual(written, ["a"]);
  held.shift()!();
  assert.deepEqual(written, ["a", "b", "c", "d"]);
  held.splice(0, 2).forEach((release) => release());
  await settle();
  assert.equal(finished, false, "finished before the last write completed");
  held.shift()!();
  await settle();
  assert.equal(finished, true);
});

Deno.test("overlapWrites writes nothing more once the stream under it has ended", () => {
  const written: string[] = [];
  const held: (() => void)[] = [];
  const under = { writableEnded: false };
  const stream = new Writable({
    objectMode: true,
    write(chunk, _encoding, callback) {
      written.push(chunk);
      if (chunk === "too large") under.writableEnded = true; // as grpc-js ends such a call
      held.push(callback);
    },
  });
  overlapWrites(stream, under);
  for (const chunk of ["a", "b", "too large", "c", "d"]) stream.write(chunk);
  held.shift()!();
  assert.deepEqual(written, ["a", "b", "too large"]);
});

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

Deno.test("Inbox.dropOldest drops the oldest waiting item", async () => {
  const inbox = new Inbox<number>();
  [1, 2, 3].forEach((n) => inbox.push(n));
  inbox.dropOldest();
  inbox.end();
  const seen = [];
  for await (const n of inbox) seen.push(n);
  assert.deepEqual(seen, [2, 3]);
});
