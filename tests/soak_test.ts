/**
 * A long-running server holds steady memory: a bounded soak of connections
 * made and ended every way a client ends them.
 */
import assert from "node:assert/strict";
import { createChannel, createClient } from "../lib/mod.ts";
import { SumService } from "../sum/api.ts";
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

/** One connection, ended the `way`-th of three ways: finished, cancelled, or dropped. */
async function oneConnection(target: string, way: number): Promise<void> {
  const port = Number(target.split(":")[1]);
  if (way === 2) {
    // Dropped: the HTTP/2 preface and a SETTINGS frame, then the TCP connection closes.
    const connection = await Deno.connect({ hostname: "localhost", port });
    const preface = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    await connection.write(new Uint8Array([...preface, 0, 0, 0, 4, 0, 0, 0, 0, 0]));
    connection.close();
    return;
  }
  // A pool of its own: grpc-js would otherwise share one connection among channels.
  const channel = createChannel(target, { options: { "grpc.use_local_subchannel_pool": 1 } });
  const client = createClient(SumService, channel);
  const controller = new AbortController();
  try {
    for await (
      const _ of client.SumServer([{ num: 1 }, { num: 1 }], { signal: controller.signal })
    ) {
      if (way === 1) controller.abort();
    }
  } catch {
    // the cancelled ones
  } finally {
    channel.close();
  }
}

async function churn(target: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => oneConnection(target, (done + i) % 3)));
  }
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
