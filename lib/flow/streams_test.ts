import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { writeAll } from "./streams.ts";

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
