import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { overlapWrites } from "./write_overlap.ts";

/** Lets every pending callback, timer and I/O event run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

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
