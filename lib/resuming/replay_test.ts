import assert from "node:assert/strict";
import { ReplayBuffer } from "./replay.ts";

Deno.test("ReplayBuffer: closing it with the window full does not mark the input as read to its end", async () => {
  const source = (function* () {
    for (let i = 1; i <= 100; i++) yield i;
  })();
  const buffer = new ReplayBuffer(source, { window: 4 });
  const sent: number[] = [];
  for await (const item of buffer.replay()) {
    sent.push(item);
    if (sent.length === 4) break;
  }
  buffer.close();
  await new Promise((resolve) => setTimeout(resolve, 0)); // its reader sees the close
  assert.deepEqual(sent, [1, 2, 3, 4]);
  assert.equal(buffer.done, false);

  const all = new ReplayBuffer([1, 2]);
  assert.deepEqual(await Array.fromAsync(all.replay()), [1, 2]);
  assert.equal(all.done, true);
});
