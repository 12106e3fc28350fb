/**
 * A long-running server holds steady memory: a bounded soak of connections
 * made and ended every way a client ends them.
 */
import assert from "node:assert/strict";
import { TextSink } from "./helpers.ts";

/** The heap server fixture as a subprocess; `heap()` asks for its heap after GC. */
async function heapServer() {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys=uid",
      new URL("./fixtures/heap_server.ts", import.meta.url).pathname,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdout = new TextSink();
  const piped = process.stdout.pipeTo(stdout.stream);
  const stdin = process.stdin.getWriter();
  await stdout.waitFor(/listening on \S+:\d+\n/, 30_000);
  let asked = 0;
  return {
    target: stdout.text.match(/listening on (\S+:\d+)/)![1],
    async heap(): Promise<number> {
      asked++;
      await stdin.write(new TextEncoder().encode("heap\n"));
      await stdout.waitFor(new RegExp(`(heap \\d+\\n[^]*){${asked}}`), 30_000);
      return Number([...stdout.text.matchAll(/heap (\d+)/g)].at(-1)![1]);
    },
    async [Symbol.asyncDispose]() {
      await stdin.close().catch(() => {});
      process.kill("SIGKILL");
      await process.status;
      await piped;
    },
  };
}

/**
 * Makes and ends `count` connections to `target` from a process of its own
 * (`fixtures/churn_client.ts`): Deno 2.8.3 keeps closed client connections
 * too, and these would weigh on every test after this one.
 */
async function churn(target: string, count: number): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys=uid",
      new URL("./fixtures/churn_client.ts", import.meta.url).pathname,
      target,
      String(count),
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
}

Deno.test("1,500 connections made and ended (finished, cancelled, dropped) leave under 1.5 KB of heap each behind", async () => {
  await using server = await heapServer();
  await churn(server.target, 300);
  const before = await server.heap();
  await churn(server.target, 1_500);
  const after = await server.heap();
  const perConnection = (after - before) / 1_500;
  assert.ok(
    perConnection < 1_500,
    `${Math.round(perConnection)} bytes of heap kept per closed connection`,
  );
});
