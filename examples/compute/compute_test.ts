import assert from "node:assert/strict";
import { Printed } from "../_shared/testing.ts";
import { runClient } from "./client.ts";
import { startServer } from "./server.ts";

Deno.test('compute: the client prints the length of "123456"', async () => {
  await using started = await startServer({ port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print);
  assert.deepEqual(out.texts, ["received: 6"]);
});

Deno.test("compute: lengths are counted in characters, as Python's len counts them", async () => {
  await using started = await startServer({ port: 0 });
  const out = new Printed();
  for (const text of ["", "héllo", "😀 ok", "日本語"]) {
    await runClient(`localhost:${started.port}`, out.print, { text });
  }
  assert.deepEqual(out.texts, ["received: 0", "received: 5", "received: 4", "received: 3"]);
});
