import assert from "node:assert/strict";
import http2 from "node:http2";
import { Writable } from "node:stream";
import { startEcho } from "../../tests/fixtures/echo.ts";
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

/** Repeat answering `count` responses, numbered from 0: all ready at once. */
const repeatCount = {
  async *Repeat({ text, count }: { text: string; count: number }) {
    for (let i = 0; i < count; i++) yield { text, count: i };
  },
};

Deno.test("responses ready together leave in shared HTTP/2 DATA frames", async () => {
  await using echo = await startEcho(repeatCount);
  const session = http2.connect(`http://localhost:${echo.port}`);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": "/echo.Echo/Repeat",
      "content-type": "application/grpc",
      te: "trailers",
    });
    // Message { text: "x", count: 100 }, with gRPC's 5-byte prefix.
    stream.end(new Uint8Array([0, 0, 0, 0, 5, 0x0a, 1, 0x78, 0x10, 100]));
    const frames: Uint8Array[] = [];
    stream.on("data", (frame: Uint8Array) => frames.push(frame));
    await new Promise((resolve) => stream.on("close", resolve));
    const body = new Uint8Array(frames.flatMap((frame) => [...frame]));
    let messages = 0;
    for (let at = 0; at < body.length; messages++) {
      at += 5 + new DataView(body.buffer).getUint32(at + 1);
    }
    assert.equal(messages, 100);
    assert.ok(frames.length <= 50, `100 responses came in ${frames.length} DATA frames`);
  } finally {
    session.close();
  }
});
