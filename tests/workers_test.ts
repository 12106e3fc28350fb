/**
 * The server as several worker processes on one port under a supervisor
 * (`--workers`): real programs, a real SQLite file and a real `redis-server`, workers killed with
 * SIGKILL and replaced under load.
 */
import assert from "node:assert/strict";
import {
  Health,
  startProgram,
  startServerProgram,
  sumClient,
  tempDir,
  totalAt,
} from "./helpers.ts";
import { createChannel, createClient } from "../lib/mod.ts";
import type { Program, ServerProgram } from "./helpers.ts";
import { startRedis, type TestRedis } from "../testing/redis.ts";
import { MAX_DEFAULT_WORKERS } from "../sum_cli/workers.ts";

/** The workers a supervisor started, by number, with their pids, from its log. */
function workersOf(server: Program): Map<number, number> {
  const started = new Map<number, number>();
  for (const line of server.stderr.lines) {
    const match = line.match(/ info worker started worker=(\d+) pid=(\d+)/);
    if (match) started.set(Number(match[1]), Number(match[2]));
  }
  return started;
}

/** Whether a process `pid` is still running. */
function running(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** A store workers share, for the length of a test: its flags for the server. */
interface SharedStore extends AsyncDisposable {
  args: string[];
}

/** Each store workers share, by the name the tests give it. */
const SHARED_STORES: Record<string, () => Promise<SharedStore>> = {
  // The default, sum.db in the server's own new folder.
  SQLite: () => Promise.resolve({ args: [], [Symbol.asyncDispose]: () => Promise.resolve() }),
  Redis: async () => {
    const redis: TestRedis = await startRedis();
    return {
      args: ["--store", redis.url],
      [Symbol.asyncDispose]: () => redis[Symbol.asyncDispose](),
    };
  },
};

/** The server with two workers sharing `store`, and `more` flags. */
function startTwoWorkers(store: SharedStore, more: string[] = []): Promise<ServerProgram> {
  return startServerProgram(["--workers", "2", ...store.args, ...more]);
}

/** Stops the server as a user does (SIGTERM) and resolves to its exit status. */
async function stopped(server: ServerProgram): Promise<number> {
  server.process.kill("SIGTERM");
  return await server.exit();
}

/** Streams `count` ones through `client.ts`, as a user pipes them in; resolves to its totals. */
async function streamOnes(target: string, count: number): Promise<number[]> {
  await using client = await startProgram("client", ["--server", target]);
  await client.write("1\n".repeat(count));
  await client.closeStdin();
  assert.equal(await client.exit(), 0, client.stderr.text);
  return client.stdout.lines.map(Number);
}

for (const [name, open] of Object.entries(SHARED_STORES)) {
  Deno.test(`--workers 2 on ${name}: two processes serve one port and one total; concurrent streams on both get every total exactly once`, async () => {
    await using store = await open();
    await using server = await startTwoWorkers(store);
    assert.equal(workersOf(server).size, 2);
    // 20 connections: that the kernel sends them all to one worker has odds of 1 in 2^19.
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => streamOnes(server.target, 150)),
    );
    // Every number is 1: linearizable replies are 1 … 3,000, each once.
    const replies = runs.flat().sort((a, b) => a - b);
    assert.deepEqual(replies, Array.from({ length: 3_000 }, (_, i) => i + 1));
    for (const totals of runs) {
      assert.ok(totals.every((total, i) => i === 0 || total > totals[i - 1]), "in order");
    }
    const served = new Set(
      server.stderr.lines.flatMap((line) => line.match(/ info call .* worker=(\d+)$/)?.[1] ?? []),
    );
    assert.deepEqual([...served].sort(), ["1", "2"], "calls reached both workers");
    assert.equal(await stopped(server), 0);
  });

  Deno.test(`${name}: workers SIGKILLed mid-stream are started again, and the stream resumes on them exactly once`, async () => {
    await using store = await open();
    await using server = await startTwoWorkers(store);
    await using client = await startProgram("client", ["--server", server.target]);
    await client.write("1\n".repeat(200));
    await client.stdout.waitForLines(200);
    for (const pid of workersOf(server).values()) Deno.kill(pid, "SIGKILL");
    await server.stderr.waitFor(/ warn worker exited; started another .*exit="signal SIGKILL"/);
    await client.write("1\n".repeat(200));
    await client.closeStdin();
    assert.equal(await client.exit(), 0, client.stderr.text);
    assert.deepEqual(client.stdout.lines.map(Number), Array.from({ length: 400 }, (_, i) => i + 1));
    await server.stderr.waitFor(/ info worker started worker=4 /);
    assert.equal(await totalAt(server.target), 400);
    assert.equal(await stopped(server), 0);
    for (const pid of workersOf(server).values()) assert.equal(running(pid), false);
  });

  Deno.test(`${name}: a Watch on one worker sees every total committed through the others, in order, without a gap`, async () => {
    await using store = await open();
    await using server = await startTwoWorkers(store);
    using watcher = sumClient(server.target);
    const totals = watcher.Watch({}, { timeout: 30_000 })[Symbol.asyncIterator]();
    assert.deepEqual((await totals.next()).value, { sum: 0 });
    const streaming = Promise.all(Array.from({ length: 4 }, () => streamOnes(server.target, 300)));
    const seen: number[] = [];
    while (seen.at(-1) !== 1_200) seen.push((await totals.next()).value!.sum);
    await streaming;
    assert.deepEqual(seen, Array.from({ length: 1_200 }, (_, i) => i + 1));
    await totals.return?.();
    assert.equal(await stopped(server), 0);
  });

  Deno.test(`${name}: a worker is replaced after --worker-max-connections while clients come and go: every number counts once, no client fails`, async () => {
    await using store = await open();
    await using server = await startTwoWorkers(store, ["--worker-max-connections", "5"]);
    let expected = 0;
    for (let round = 0; round < 6; round++) {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => streamOnes(server.target, 50)),
      );
      expected += 200;
      assert.equal(Math.max(...runs.flat()), expected);
    }
    await server.stderr.waitFor(
      / info replacing worker worker=\d+ reason="it has accepted \d+ connections"/,
    );
    assert.ok(workersOf(server).size > 2, "workers were replaced");
    assert.equal(await totalAt(server.target), expected);
    assert.equal(await stopped(server), 0);
    for (const pid of workersOf(server).values()) assert.equal(running(pid), false);
  });
}

Deno.test("SIGTERM to the supervisor drains every worker: an open stream gets UNAVAILABLE after --grace, and all exit", async () => {
  await using server = await startServerProgram(["--workers", "2", "--grace", "1"]);
  using client = sumClient(server.target);
  const totals = client.Watch({})[Symbol.asyncIterator]();
  assert.deepEqual(await totals.next(), { done: false, value: { sum: 0 } });
  server.process.kill("SIGTERM");
  await assert.rejects(totals.next(), /UNAVAILABLE: the server is shutting down/);
  assert.equal(await server.exit(), 0);
  for (const pid of workersOf(server).values()) assert.equal(running(pid), false);
});

Deno.test("SIGTERM to the supervisor turns health NOT_SERVING on every worker, before any call ends", async () => {
  await using server = await startServerProgram(["--workers", "2", "--grace", "2"]);
  // 12 connections of their own: that the kernel sends them all to one worker has odds of 1 in 2^11.
  const channels = Array.from(
    { length: 12 },
    () => createChannel(server.target, { options: { "grpc.use_local_subchannel_pool": 1 } }),
  );
  try {
    const watches = channels.map((channel) =>
      createClient(Health, channel).Watch({ service: "" })[Symbol.asyncIterator]()
    );
    for (const watch of watches) {
      assert.deepEqual((await watch.next()).value, { status: "SERVING" });
    }
    server.process.kill("SIGTERM");
    const next = await Promise.all(watches.map((watch) => watch.next()));
    assert.deepEqual(
      next.map(({ value }) => value),
      watches.map(() => ({ status: "NOT_SERVING" })),
    );
    assert.equal(await server.exit(), 0);
    const watched = new Set(
      server.stderr.lines.flatMap((line) =>
        line.match(/ info call method=\/grpc\.health\.v1\.Health\/Watch .* worker=(\d+)$/)?.[1] ??
          []
      ),
    );
    assert.deepEqual([...watched].sort(), ["1", "2"], "watches on both workers");
  } finally {
    for (const channel of channels) channel.close();
  }
});

Deno.test("workers that cannot listen (the port is taken) stop the server at start: their one error line, exit 1, no worker started again", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(taken.addr.port);
  await using dir = await tempDir();
  await using server = await startProgram("server", [
    ...["--workers", "2", "--host", "127.0.0.1", "--port", port],
  ], { cwd: dir.path });
  assert.equal(await server.exit(), 1);
  assert.deepEqual(
    server.stderr.lines.filter((line) =>
      !/ (info|warn) /.test(line) || / worker exited/.test(line)
    ),
    [`error: cannot listen on 127.0.0.1:${port}: address already in use`],
  );
  for (const pid of workersOf(server).values()) assert.equal(running(pid), false);
});

Deno.test("--workers with the memory store serves from one process, and says why", async () => {
  await using server = await startServerProgram(["--workers", "4", "--store", "memory"]);
  await server.stderr.waitFor(
    / warn serving with 1 worker, not 4: the store memory is held by one process/,
  );
  assert.equal(workersOf(server).size, 0, "no supervisor");
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 2 }), { sum: 2 });
});

Deno.test("deno task server without --workers serves with one worker a core, up to 8", async () => {
  const expected = Math.min(navigator.hardwareConcurrency, MAX_DEFAULT_WORKERS);
  await using server = await startServerProgram([], { defaultWorkers: true });
  assert.equal(workersOf(server).size, expected === 1 ? 0 : expected);
  const runs = await Promise.all(Array.from({ length: 8 }, () => streamOnes(server.target, 50)));
  assert.equal(Math.max(...runs.flat()), 400);
  assert.equal(await stopped(server), 0);
});
