/**
 * The total in Redis, shared by replicas: real `redis-server`s started here,
 * and `server.ts` replicas as real programs.
 */
import assert from "node:assert/strict";
import { createChannel, createClient, INT32_MAX, isGrpcError, Status } from "../lib/mod.ts";
import {
  closedPort,
  collect,
  Health,
  refusedMidStream,
  rejection,
  startProgram,
  startServerProgram,
  sumClient,
} from "./helpers.ts";
import { startRedis } from "../testing/redis.ts";
import { makeCertificates } from "./certs.ts";
import { RedisStore } from "../sum/redis_store.ts";

const ones = (count: number) => Array.from({ length: count }, () => ({ num: 1 }));

/** Resolves once the server at `target` reports `status` for sum.SumService. */
async function health(target: string, status: "SERVING" | "NOT_SERVING") {
  const channel = createChannel(target);
  try {
    // Bounded, so that a status that never comes fails the test instead of hanging it.
    const statuses = createClient(Health, channel).Watch({ service: "sum.SumService" }, {
      timeout: 20_000,
    });
    for await (const reply of statuses) if (reply.status === status) return;
  } finally {
    channel.close();
  }
}

/** Watches the total at `target`, collecting what it sees. */
function watching(target: string) {
  const client = sumClient(target);
  const controller = new AbortController();
  const seen: number[] = [];
  const first = Promise.withResolvers<void>();
  let awaited: { total: number; seen: PromiseWithResolvers<void> } | undefined;
  const done = (async () => {
    try {
      const watch = client.Watch({}, { signal: controller.signal, timeout: 30_000 });
      for await (const { sum } of watch) {
        seen.push(sum);
        first.resolve();
        if (sum === awaited?.total) awaited.seen.resolve();
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      client[Symbol.dispose]();
    }
  })();
  return {
    seen,
    started: first.promise,
    /** Waits until `total` is seen (failing if the watch ends first), then stops watching. */
    async until(total: number) {
      awaited = { total, seen: Promise.withResolvers() };
      if (seen.includes(total)) awaited.seen.resolve();
      const ended = done.then(() => {
        throw new Error(`the watch ended before ${total}: saw ${seen}`);
      });
      try {
        await Promise.race([awaited.seen.promise, ended]);
      } finally {
        controller.abort();
        await done.catch(() => {});
      }
    },
  };
}

Deno.test("two replicas on one Redis: a Watch on one sees every total the other commits, in order", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  await using b = await startServerProgram(["--store", redis.url]);
  const watcher = watching(a.target);
  await watcher.started;
  using client = sumClient(b.target);
  const replies = await collect(client.SumServer(ones(300)));
  assert.deepEqual(replies.map((r) => r.sum), Array.from({ length: 300 }, (_, i) => i + 1));
  await client.AddAll([{ num: 10 }, { num: 20 }]);
  await watcher.until(330);
  assert.deepEqual(watcher.seen, [...Array.from({ length: 301 }, (_, i) => i), 330]);
});

Deno.test("linearizable across replicas: streams of 1s over two replicas get exactly base+1 .. base+N", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  await using b = await startServerProgram(["--store", redis.url]);
  using first = sumClient(a.target);
  const base = (await first.Add({ num: 1000 })).sum;
  using second = sumClient(b.target);
  const streams = 16;
  const each = 500;
  const replies = await Promise.all(
    Array.from(
      { length: streams },
      (_, i) => collect((i % 2 ? second : first).SumServer(ones(each))),
    ),
  );
  for (const stream of replies) {
    const sums = stream.map((r) => r.sum);
    assert.equal(sums.length, each);
    assert.ok(sums.every((sum, i) => i === 0 || sum > sums[i - 1]), "a stream's totals increase");
  }
  const all = replies.flat().map((r) => r.sum).sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: streams * each }, (_, i) => base + 1 + i));
});

Deno.test("with Redis, overflow is checked inside Redis: of 20 adds racing over two replicas to a total 5 below the limit, exactly 5 pass", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  await using b = await startServerProgram(["--store", redis.url]);
  using first = sumClient(a.target);
  using second = sumClient(b.target);
  await first.Add({ num: INT32_MAX - 5 });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? second : first).Add({ num: 1 })),
  );
  const passed = results.filter((r) => r.status === "fulfilled");
  assert.equal(passed.length, 5);
  for (const r of results) {
    if (r.status === "rejected") assert.ok(isGrpcError(r.reason, Status.OUT_OF_RANGE));
  }
  const batch = await rejection(second.AddAll([{ num: -10 }, { num: 11 }]));
  assert.ok(isGrpcError(batch, Status.OUT_OF_RANGE), "the batch is refused whole");
  assert.deepEqual(await second.Add({ num: 0 }), { sum: INT32_MAX });
});

Deno.test("with Redis, a stream's numbers after a refused one are not applied", async () => {
  await using redis = await startRedis();
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  const { replies, error } = await refusedMidStream(client);
  assert.ok(isGrpcError(error, Status.OUT_OF_RANGE));
  assert.deepEqual(replies, [INT32_MAX]);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: INT32_MAX });
});

Deno.test("Redis unreachable at start: NOT_SERVING, calls fail with UNAVAILABLE naming it; once it is up the server serves without a restart", async () => {
  const port = closedPort();
  await using server = await startServerProgram(["--store", `redis://127.0.0.1:${port}`]);
  await health(server.target, "NOT_SERVING");
  using client = sumClient(server.target);
  const started = performance.now();
  const error = await rejection(client.Add({ num: 5 }));
  assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
  assert.match(error.details, new RegExp(`redis://127\\.0\\.0\\.1:${port}`));
  assert.ok(performance.now() - started < 5_000, "fails within a few seconds");
  await using redis = await startRedis({ port });
  await health(server.target, "SERVING");
  assert.deepEqual(await client.Add({ num: 5 }), { sum: 5 });
  assert.equal(redis.port, port);
});

Deno.test("Redis refusing the server for good (wrong password, none, a database it lacks): the server stops at start with one line, and shows no password", async () => {
  await using redis = await startRedis({ args: ["--requirepass", "secret"] });
  const at = `127.0.0.1:${redis.port}`;
  for (
    const [url, reason] of [
      [
        `redis://:wrong@${at}`,
        /Redis refused its user name or password \(WRONGPASS .*\); check those in the URL$/,
      ],
      [
        `redis://${at}`,
        /Redis requires a password: give it in the URL, redis:\/\/:PASSWORD@HOST:PORT/,
      ],
      [
        `redis://:secret@${at}/99`,
        /the database number in the URL does not exist on this Redis \(ERR DB index is out of range\)$/,
      ],
    ] as const
  ) {
    await using server = await startProgram("server", ["--port", "0", "--store", url]);
    assert.equal(await server.exit(), 1, url);
    assert.deepEqual(server.stdout.lines, []);
    assert.equal(server.stderr.lines.length, 1, server.stderr.text);
    const [line] = server.stderr.lines;
    assert.ok(line.startsWith(`error: cannot open the store redis://${at}`), line);
    assert.match(line, reason);
    assert.doesNotMatch(line, /secret|wrong/);
  }
  await using server = await startServerProgram(["--store", `redis://:secret@${at}`]);
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 3 }), { sum: 3 }, "the right password serves");
});

Deno.test('a server whose Redis is down answers each add "not applied": when --retry-for runs out, add, add-all and a stream report it not applied', async () => {
  const store = `redis://127.0.0.1:${closedPort()}`;
  await using server = await startServerProgram(["--store", store]);
  const flags = ["--server", server.target, "--retry-for", "1"];
  await using add = await startProgram("client", [...flags, "add", "5"]);
  assert.equal(await add.exit(), 1);
  const refused = `${store.slice("redis://".length)}); not applied`;
  assert.deepEqual(add.stderr.lines.slice(-3), [
    `error: UNAVAILABLE: the store ${store} is unreachable (connect ECONNREFUSED ${refused}`,
    "gave up after retrying for 1 s",
    "not applied: 5",
  ]);
  await using batch = await startProgram("client", [...flags, "add-all"]);
  await batch.write("1 2\n");
  await batch.closeStdin();
  assert.equal(await batch.exit(), 1);
  assert.equal(batch.stderr.lines.at(-1), "nothing was applied (the batch is all or nothing)");
  await using stream = await startProgram("client", flags);
  await stream.write("5\n");
  await stream.closeStdin();
  assert.equal(await stream.exit(), 1);
  assert.deepEqual(stream.stderr.lines.slice(-3), [
    "gave up after retrying for 1 s",
    "applied: 0 numbers",
    "not applied: 1 number sent from line 1 on, refused by the server",
  ]);
});

Deno.test("rediss://: the total in a Redis serving TLS, trusting the CA of ?ca= and with the client certificate it requires", async () => {
  await using certs = await makeCertificates();
  const port = closedPort();
  await using _redis = await startRedis({
    port,
    args: [
      ...["--port", "0", "--tls-port", String(port)],
      ...["--tls-cert-file", certs.server.cert, "--tls-key-file", certs.server.key],
      ...["--tls-ca-cert-file", certs.ca, "--tls-auth-clients", "yes"],
    ],
  });
  const files = `ca=${certs.ca}&cert=${certs.client.cert}&key=${certs.client.key}`;
  for (const host of ["localhost", "127.0.0.1"]) {
    await using server = await startServerProgram(["--store", `rediss://${host}:${port}?${files}`]);
    using client = sumClient(server.target);
    assert.deepEqual(await client.Add({ num: 2 }), { sum: host === "localhost" ? 2 : 4 });
  }
  // Trusting only the system's CAs, the server cannot reach it, and says why.
  await using untrusted = await startServerProgram(["--store", `rediss://localhost:${port}`]);
  await untrusted.stderr.waitFor(/ error store unavailable .*\n/);
  assert.match(untrusted.stderr.text, /reason=".*(certificate|issuer|UnknownIssuer).*"/i);
});

Deno.test("Redis restarted (append-only file on): the total is kept, and a watcher on each replica resumes without gaps", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  await using b = await startServerProgram(["--store", redis.url]);
  using client = sumClient(b.target);
  await client.Add({ num: 7 });
  const watcher = watching(a.target);
  await watcher.started;
  await redis.stop();
  await health(a.target, "NOT_SERVING");
  const down = await rejection(client.Add({ num: 1 }));
  assert.ok(isGrpcError(down, Status.UNAVAILABLE), String(down));
  await redis.start();
  await health(b.target, "SERVING");
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 8 }, "the total was kept");
  assert.deepEqual(await client.Add({ num: 2 }), { sum: 10 });
  await watcher.until(10);
  assert.deepEqual(watcher.seen, [7, 8, 10]);
});

Deno.test("Redis restarted and slow to load its file: a replica that reconnected while it loaded serves as soon as the load ends", async () => {
  await using redis = await startRedis();
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  await client.Add({ num: 7 });
  // 30,000 commands in the append-only file, loaded 100 µs apart: seconds of LOADING.
  await redisCli(redis, "EVAL", "for i = 1, 30000 do redis.call('SET', 'f:' .. i, i) end", "0");
  await redis.stop();
  await health(server.target, "NOT_SERVING");
  let loaded = false;
  const loading = redis.start({ keyLoadDelayUs: 100 }).then(() => loaded = true);
  // The replica reconnects during the load and is told LOADING.
  for (;;) {
    assert.ok(!loaded, "Redis loaded its file before the replica saw it loading");
    const error = await rejection(client.Add({ num: 1 }));
    assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
    if (/LOADING/.test(error.details)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await loading;
  const done = performance.now();
  await health(server.target, "SERVING");
  // It tries its set-up again every 250 ms; generous for a busy machine.
  assert.ok(performance.now() - done < 3_000, "serving within a few seconds of the load's end");
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 8 });
});

Deno.test("a Redis that stops answering: the call waiting on it fails within a few seconds with UNKNOWN (it may have been applied), health turns NOT_SERVING; once Redis answers, the server serves again", async () => {
  await using redis = await startRedis();
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  await client.Add({ num: 2 });
  redis.freeze();
  const started = performance.now();
  const error = await rejection(client.Add({ num: 1 }));
  // Sent, and never answered: UNKNOWN, not UNAVAILABLE, which clients retry.
  assert.ok(isGrpcError(error, Status.UNKNOWN), String(error));
  assert.match(
    error.details,
    /^the store redis:\/\/127\.0\.0\.1:\d+ did not answer \(.+\); the change may or may not have been applied$/,
  );
  assert.ok(performance.now() - started < 5_000, "fails within a few seconds");
  await health(server.target, "NOT_SERVING");
  redis.thaw();
  await health(server.target, "SERVING");
  const { sum } = await client.Add({ num: 10 });
  assert.ok(sum === 12 || sum === 13, `the add that timed out may or may not have applied: ${sum}`);
});

/** Runs redis-cli against `redis`; resolves to its output. */
async function redisCli(redis: { port: number }, ...args: string[]): Promise<string> {
  const { stdout } = await new Deno.Command("redis-cli", {
    args: ["-p", String(redis.port), ...args],
  }).output();
  return new TextDecoder().decode(stdout);
}

Deno.test("when only a replica's tail connection drops, it keeps serving, and its watchers go on without gaps", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  using client = sumClient(a.target);
  const watcher = watching(a.target);
  await watcher.started;
  await client.Add({ num: 1 });
  const tail = (await redisCli(redis, "CLIENT", "LIST")).split("\n").find((line) =>
    /cmd=xread/.test(line)
  );
  assert.ok(tail, "the tail's connection is there");
  await redisCli(redis, "CLIENT", "KILL", "ID", tail.match(/\bid=(\d+)/)![1]);
  assert.deepEqual(await client.Add({ num: 2 }), { sum: 3 });
  assert.deepEqual(await client.Add({ num: 3 }), { sum: 6 });
  await watcher.until(6);
  assert.deepEqual(watcher.seen, [0, 1, 3, 6]);
});

Deno.test("a replica that finds commits trimmed from the stream before it read them ends its watchers with ABORTED, not silently", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  using client = sumClient(a.target);
  await client.Add({ num: 1 });
  const error = await rejection((async () => {
    for await (const { sum } of client.Watch({}, { timeout: 20_000 })) {
      // Watching: then, as a trimmed stream looks to a replica, the next
      // entry it reads is commit 6, not 2.
      if (sum === 1) await redisCli(redis, "XADD", "sum:totals", "*", "n", "6", "t", "99");
    }
  })());
  assert.ok(isGrpcError(error, Status.ABORTED), String(error));
  assert.match(
    error.details,
    /^4 commits of other servers were trimmed from sum:totals .*; watch again$/,
  );
});

Deno.test("a Redis URL's password never appears in messages", () => {
  const store = new RedisStore("redis://user:secret@127.0.0.1:6390/1");
  assert.equal(store.name, "redis://127.0.0.1:6390/1");
});

Deno.test("a Redis without an append-only file: the server warns in one line at start", async () => {
  await using redis = await startRedis({ appendonly: false });
  await using server = await startServerProgram(["--store", redis.url]);
  await server.stderr.waitFor(/append-only file/, 10_000);
  const warning = server.stderr.lines.filter((line) => /append-only file/.test(line));
  assert.equal(warning.length, 1);
  assert.match(warning[0], /warn .*a restart of Redis would lose the total/);
});

Deno.test("a key prefix keeps two services apart on one Redis", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", `${redis.url}?prefix=a:`]);
  await using b = await startServerProgram(["--store", `${redis.url}?prefix=b:`]);
  using first = sumClient(a.target);
  using second = sumClient(b.target);
  assert.deepEqual(await first.Add({ num: 3 }), { sum: 3 });
  assert.deepEqual(await second.Add({ num: 4 }), { sum: 4 });
  assert.deepEqual(await first.Add({ num: 0 }), { sum: 3 });
});

Deno.test("client total prints the total another replica committed, and changes nothing", async () => {
  await using redis = await startRedis();
  await using a = await startServerProgram(["--store", redis.url]);
  await using b = await startServerProgram(["--store", redis.url]);
  using client = sumClient(a.target);
  await client.Add({ num: 42 });
  const port = b.target.split(":")[1];
  for (let i = 0; i < 2; i++) {
    await using total = await startProgram("client", ["--port", port, "total"]);
    assert.equal(await total.exit(), 0);
    assert.equal(total.stdout.text, "42\n");
  }
});

Deno.test("a Redis key of the wrong type fails the add before anything is written: UNAVAILABLE, not applied, and it is not", async () => {
  await using redis = await startRedis();
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 100 }), { sum: 100 });
  for (const [key, type] of [["sum:commits", "LPUSH"], ["sum:totals", "SADD"]]) {
    await redisCli(redis, "RENAME", key, `${key}.saved`);
    await redisCli(redis, type, key, "x");
    const error = await rejection(client.Add({ num: 7, client_id: "c", seq: 1 }));
    assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
    assert.match(
      error.details,
      new RegExp(`refused the change \\(INVALID ${key} is a (list|set), where this store keeps a`),
    );
    assert.match(error.details, /; not applied$/);
    assert.equal((await redisCli(redis, "GET", "sum:total")).trim(), "100", `${key}: not applied`);
    await redisCli(redis, "DEL", key);
    await redisCli(redis, "RENAME", `${key}.saved`, key);
  }
  assert.deepEqual(await client.Add({ num: 7, client_id: "c", seq: 1 }), { sum: 107 });
});

Deno.test("client ids cannot name another service's keys: prefixes P and Pclient: on one Redis stay apart", async () => {
  await using redis = await startRedis();
  await using p = await startServerProgram(["--store", `${redis.url}?prefix=P`]);
  await using other = await startServerProgram(["--store", `${redis.url}?prefix=Pclient:`]);
  using otherClient = sumClient(other.target);
  assert.deepEqual(await otherClient.Add({ num: 100 }), { sum: 100 });
  using client = sumClient(p.target);
  // Written raw, this id's record would be Pclient:total, the other's total.
  assert.deepEqual(await client.Add({ num: 1, client_id: "total", seq: 1 }), { sum: 1 });
  assert.deepEqual(await otherClient.Add({ num: 0 }), { sum: 100 });
  assert.deepEqual(await client.Add({ num: 1, client_id: "total", seq: 1 }), { sum: 1 });
});

Deno.test("a stored total that is not an int32 stops the server at start with one line; found later, adds fail and apply nothing", async () => {
  await using redis = await startRedis();
  for (const value of ["nan", "3e9", "2.5", "3000000000"]) {
    await redisCli(redis, "SET", "sum:total", value);
    await using server = await startProgram("server", ["--port", "0", "--store", redis.url]);
    assert.equal(await server.exit(), 1, value);
    assert.deepEqual(server.stderr.lines, [
      `error: cannot open the store ${redis.url}: its keys hold what this store does not write ` +
      `(INVALID sum:total holds "${value}", not an integer from -2147483648 to 2147483647): ` +
      "correct or delete them, or give this server a ?prefix= of its own",
    ]);
  }
  await redisCli(redis, "SET", "sum:total", "5");
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 6 });
  await redisCli(redis, "SET", "sum:total", "nan");
  const error = await rejection(client.Add({ num: 1 }));
  assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
  assert.match(error.details, /INVALID sum:total holds "nan".*; not applied$/);
  assert.equal((await redisCli(redis, "GET", "sum:total")).trim(), "nan");
});

Deno.test("a stream entry this store did not write is never shown to watchers: they end with ABORTED", async () => {
  await using redis = await startRedis();
  await using server = await startServerProgram(["--store", redis.url]);
  using client = sumClient(server.target);
  await client.Add({ num: 1 });
  const seen: number[] = [];
  const error = await rejection((async () => {
    for await (const { sum } of client.Watch({}, { timeout: 20_000 })) {
      seen.push(sum);
      if (sum === 1) await redisCli(redis, "XADD", "sum:totals", "*", "n", "2", "t", "nan");
    }
  })());
  assert.ok(isGrpcError(error, Status.ABORTED), String(error));
  assert.match(error.details, /^sum:totals holds an entry this store did not write \(\d+-\d+\)/);
  assert.deepEqual(seen, [1]);
});
