/**
 * A server that does not answer is a failure like any other: frozen servers
 * (SIGSTOP), with the client detecting them by HTTP/2 keepalive, counting
 * them toward --retry-for and moving to the next server, exactly once.
 */
import assert from "node:assert/strict";
import { numbersOf, runningTotals, startProgram, startServerProgram, totalAt } from "./helpers.ts";
import { startRedis } from "../testing/redis.ts";

/** Give up after 2 s without progress; ping a server silent for 1 s. */
const PATIENCE = ["--retry-for", "2", "--keepalive", "1"];

Deno.test("--server A,B with A frozen mid-stream: the client detects it, moves to B and finishes there, exactly once", async () => {
  await using redis = await startRedis();
  const store = ["--store", redis.url];
  await using a = await startServerProgram(store);
  await using b = await startServerProgram(store);
  const numbers = numbersOf(20_000);
  await using client = await startProgram("client", [
    "--server",
    `${a.target},${b.target}`,
    "--keepalive",
    "1",
  ]);
  await client.write(numbers.slice(0, 10_000).join("\n") + "\n");
  await client.stdout.waitForLines(10_000);
  a.process.kill("SIGSTOP");
  try {
    await client.write(numbers.slice(10_000).join("\n") + "\n");
    await client.closeStdin();
    assert.equal(await client.exit(), 0, client.stderr.text);
  } finally {
    a.process.kill("SIGCONT");
  }
  assert.deepEqual(client.stdout.lines.map(Number), runningTotals(numbers));
  assert.equal(await totalAt(b.target), runningTotals(numbers).at(-1));
});

Deno.test("a stream to the only server, frozen mid-stream: the client gives up within --retry-for and the detection time", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  await using client = await startProgram("client", ["--server", server.target, ...PATIENCE]);
  await client.write("1\n");
  await client.stdout.waitFor(/^1\n$/);
  server.process.kill("SIGSTOP");
  const frozenAt = performance.now();
  try {
    await client.write("2\n");
    assert.equal(await client.exit(), 1);
  } finally {
    server.process.kill("SIGCONT");
  }
  assertWithinBound(performance.now() - frozenAt);
  assert.match(client.stderr.text, /\ngave up after retrying for 2 s\n/);
  assert.match(client.stderr.text, /\napplied: 1 number \(total 1\)\n/);
});

Deno.test("add to a server frozen before it connects: the client gives up within --retry-for and the detection time, saying nothing was applied", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  server.process.kill("SIGSTOP");
  const frozenAt = performance.now();
  try {
    await using client = await startProgram("client", [
      "--server",
      server.target,
      ...PATIENCE,
      "add",
      "5",
    ]);
    assert.equal(await client.exit(), 1);
    assertWithinBound(performance.now() - frozenAt);
    assert.equal(
      client.stderr.text,
      `error: cannot reach the server at ${server.target}: it accepted the connection, ` +
        "then did not answer (frozen, or behind a silent network)\nnothing was applied\n",
    );
  } finally {
    server.process.kill("SIGCONT");
  }
});

/** --retry-for 2, plus twice --keepalive 1 to detect a silent connection, plus a busy machine's slack. */
function assertWithinBound(waitedMs: number): void {
  assert.ok(waitedMs < 2_000 + 2 * 1_000 + 6_000, `waited ${Math.round(waitedMs)} ms`);
}
