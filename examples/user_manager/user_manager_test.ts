import assert from "node:assert/strict";
import { UsageError } from "../_shared/program.ts";
import { Printed } from "../_shared/testing.ts";
import { commandFrom, runClient } from "./client.ts";
import { startServer } from "./server.ts";

Deno.test("user manager: count streams ids 1, 2, 3 and prints the 2 known users as Python would", async () => {
  const serverOut = new Printed();
  await using started = await startServer({ port: 0 }, serverOut.print);
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { count: [1, 2, 3] });
  assert.deepEqual(out.texts, [
    "call client streaming!!",
    "user_id = 1",
    "user_id = 2",
    "user_id = 3",
    "user {\n  id: 2\n}\n",
  ]);
  assert.deepEqual(serverOut.texts, ["user count up", "user count up"]);
});

Deno.test("user manager: count of no known user is a user with id 0", async () => {
  await using started = await startServer({ port: 0 }, () => {});
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { count: [3, 7] });
  assert.equal(out.texts.at(-1), "user {\n}\n");
});

Deno.test("user manager: chat gets two replies per message, ids counting from 1", async () => {
  const serverOut = new Printed();
  await using started = await startServer({ port: 0 }, serverOut.print);
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { chat: ["hello", "how are you?"] });
  assert.deepEqual(out.texts, [
    "--- Input your message -------",
    "Received message [id=1, msg=Thank!!!]",
    "Received message [id=1, msg=good day!!!]",
    "Received message [id=2, msg=Thank!!!]",
    "Received message [id=2, msg=good day!!!]",
  ]);
  assert.deepEqual(serverOut.texts, [
    "Receive new message!! [id: 1, msg: hello]",
    "Receive new message!! [id: 2, msg: how are you?]",
  ]);
});

Deno.test("user manager: the command line names count (with ids) or chat", () => {
  assert.deepEqual(commandFrom(["count"]), { count: [1, 2, 3] });
  assert.deepEqual(commandFrom(["count", "5", "-1"]), { count: [5, -1] });
  assert.throws(() => commandFrom([]), UsageError);
  assert.throws(() => commandFrom(["count", "x"]), { message: '"x" is not an int32' });
  assert.throws(() => commandFrom(["chat", "now"]), { message: "chat takes no arguments" });
});
