import assert from "node:assert/strict";
import { LineWriter } from "./lines.ts";

/** A stream that records each chunk written to it, as text. */
function recorder() {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const stream = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(decoder.decode(chunk)),
  });
  return { chunks, stream };
}

Deno.test("lines queued in one turn are written together, at the end of the turn", async () => {
  const { chunks, stream } = recorder();
  const out = new LineWriter(stream);
  out.line("1");
  out.line("3");
  assert.deepEqual(chunks, []);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(chunks, ["1\n3\n"]);
  out.line("6");
  await out.close();
  assert.deepEqual(chunks, ["1\n3\n", "6\n"]);
});

Deno.test("a large batch is written at once, and its promise says when", async () => {
  const { chunks, stream } = recorder();
  const out = new LineWriter(stream);
  let written: Promise<void> | undefined;
  for (let i = 0; written === undefined; i++) written = out.line("x".repeat(1000));
  await written;
  assert.equal(chunks.length, 1);
  assert.ok(chunks[0].length >= 16 * 1024);
  await out.close();
});
