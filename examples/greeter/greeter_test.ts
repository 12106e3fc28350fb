import assert from "node:assert/strict";
import { Printed } from "../_shared/testing.ts";
import { runClient } from "./client.ts";
import { startServer } from "./server.ts";

Deno.test("greeter: the client prints the server's greeting for each name", async () => {
  await using started = await startServer({ port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print);
  assert.deepEqual(out.texts, [
    "Greeter client received: hello czl",
    "Greeter client received: hello daydaygo",
  ]);
});
