/**
 * Exactly once through crashes and failover: `client.ts` and `server.ts` as
 * real programs, servers killed with SIGKILL, replies lost on the wire, and
 * every printed total checked against the exact sequence.
 */
import assert from "node:assert/strict";
import {
  numbersOf,
  type Program,
  runningTotals,
  startProgram,
  startServerProgram,
  sumClient,
  totalAt,
} from "./helpers.ts";
import { startRedis } from "../testing/redis.ts";
import { startReplyCutter } from "./reply_cutter.ts";

/** Feeds `numbers` to the client's stdin and closes it. */
function feed(client: Program, numbers: number[]): Promise<void> {
  return client.write(numbers.join("\n") + "\n").then(() => client.closeStdin()).catch(() => {});
}

const portOf = (target: string) => target.split(":")[1];

/** The client's stderr lines that are notices of a reconnection. */
const notices = (client: Program) => client.stderr.lines.filter((line) => /^notice: /.test(line));

Deno.test("a server SIGKILLed and restarted mid-stream on SQLite: the client resends what was unconfirmed, prints each total once and in order, and exits 0", async () => {
  const numbers = numbersOf(300_000);
  const dir = await Deno.makeTempDir({ prefix: "sum-exactly-once-" });
  try {
    const first = await startServerProgram([], { cwd: dir });
    const port = portOf(first.target);
    await using client = await startProgram("client", ["--port", port]);
    const feeding = feed(client, numbers);
    await client.stdout.waitForLines(50_000);
    first.process.kill("SIGKILL");
    await first.exit();
    await using restarted = await startServerProgram(["--port", port], { cwd: dir });
    assert.equal(await client.exit(), 0, client.stderr.text);
    await feeding;
    assert.deepEqual(client.stdout.lines.map(Number), runningTotals(numbers));
    assert.equal(notices(client).length, 1, client.stderr.text);
    assert.match(
      notices(client)[0],
      new RegExp(
        `^notice: the connection to the server at localhost:${port} was lost \\(\\S.*\\); ` +
          "reconnecting and resending what was not confirmed \\(for up to 30 s\\)$",
      ),
    );
    assert.equal(await totalAt(restarted.target), runningTotals(numbers).at(-1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two replicas on one Redis: when the one the client streams to is killed, it moves to the other and every number counts once", async () => {
  await using redis = await startRedis();
  const store = ["--store", redis.url];
  await using a = await startServerProgram(store);
  await using b = await startServerProgram(store);
  const numbers = numbersOf(100_000);
  await using client = await startProgram("client", ["--server", `${a.target},${b.target}`]);
  const feeding = feed(client, numbers);
  await client.stdout.waitForLines(20_000);
  a.process.kill("SIGKILL");
  assert.equal(await client.exit(), 0, client.stderr.text);
  await feeding;
  assert.deepEqual(client.stdout.lines.map(Number), runningTotals(numbers));
  assert.match(notices(client).join("\n"), /reconnecting to the next server/);
  assert.equal(await totalAt(b.target), runningTotals(numbers).at(-1));
});

Deno.test("replies lost after the server committed: the stream's resent numbers are answered with the totals they got, not applied again", async () => {
  await using server = await startServerProgram();
  await using cutter = startReplyCutter(Number(portOf(server.target)), {
    pass: 20_000,
    swallow: 10_000,
  });
  const numbers = numbersOf(20_000);
  await using client = await startProgram("client", ["--server", cutter.target]);
  const feeding = feed(client, numbers);
  await cutter.cut;
  assert.equal(await client.exit(), 0, client.stderr.text);
  await feeding;
  assert.deepEqual(client.stdout.lines.map(Number), runningTotals(numbers));
  assert.equal(notices(client).length, 1, client.stderr.text);
  assert.equal(await totalAt(server.target), runningTotals(numbers).at(-1));
});

for (const [command, input, added] of [["add", "", 5], ["add-all", "2 3 4\n", 9]] as const) {
  Deno.test(`${command}: its reply lost after the commit, it is resent, applied once, and answered with the total it made`, async () => {
    await using server = await startServerProgram();
    await using before = await startProgram("client", ["--server", server.target, "add", "100"]);
    assert.equal(await before.exit(), 0);
    await using cutter = startReplyCutter(Number(portOf(server.target)), { pass: 0, swallow: 1 });
    const args = command === "add" ? ["add", String(added)] : ["add-all"];
    await using client = await startProgram("client", ["--server", cutter.target, ...args]);
    await client.write(input);
    await client.closeStdin();
    assert.equal(await client.exit(), 0, client.stderr.text);
    assert.equal(client.stdout.text, `${100 + added}\n`);
    assert.equal(notices(client).length, 1, client.stderr.text);
    assert.equal(await totalAt(server.target), 100 + added);
  });
}

Deno.test("add: its reply lost after the commit and no retry allowed, the report says the number may have been applied", async () => {
  await using server = await startServerProgram();
  await using cutter = startReplyCutter(Number(portOf(server.target)), { pass: 0, swallow: 1 });
  await using client = await startProgram("client", [
    "--server",
    cutter.target,
    "--no-retry",
    "add",
    "5",
  ]);
  assert.equal(await client.exit(), 1);
  assert.equal(client.stdout.text, "");
  assert.equal(
    client.stderr.lines.at(-1),
    "unconfirmed: 5 was sent with no reply: it may or may not have been applied",
  );
  assert.equal(await totalAt(server.target), 5);
});

Deno.test("--retry-for runs out with the server gone for good: the client reports exactly what was applied, unconfirmed and not sent", async () => {
  await using server = await startServerProgram();
  const numbers = numbersOf(200_000);
  await using client = await startProgram("client", [
    "--server",
    server.target,
    "--retry-for",
    "1",
  ]);
  const feeding = feed(client, numbers);
  await client.stdout.waitForLines(10_000);
  server.process.kill("SIGKILL");
  const started = performance.now();
  assert.equal(await client.exit(), 1);
  assert.ok(performance.now() - started >= 1_000, "gave up before its time");
  await feeding;
  const printed = client.stdout.lines.map(Number);
  assert.deepEqual(printed, runningTotals(numbers).slice(0, printed.length));
  const [notice, error, gaveUp, ...progress] = client.stderr.lines;
  assert.match(notice, /^notice: /);
  assert.match(error, /^error: cannot reach the server at /);
  assert.equal(gaveUp, "gave up after retrying for 1 s");
  assert.equal(progress[0], `applied: ${printed.length} numbers (total ${printed.at(-1)})`);
  const unconfirmed = progress[1].match(/^unconfirmed: (\d+) numbers sent from line (\d+) on/);
  assert.ok(unconfirmed, progress.join("\n"));
  assert.equal(Number(unconfirmed[2]), printed.length + 1);
  const lastSent = printed.length + Number(unconfirmed[1]);
  assert.deepEqual(progress.slice(2), [`not sent: anything after line ${lastSent}`]);
});

for (const store of ["memory", "sqlite", "redis"] as const) {
  Deno.test(`${store}: with no record of a client, only a first send with every earlier reply confirmed is applied; a resend is refused, whatever the timing`, async () => {
    await using redis = store === "redis" ? await startRedis() : undefined;
    const storeArgs = redis
      ? ["--store", redis.url]
      : store === "memory"
      ? ["--store", "memory"]
      : [];
    await using server = await startServerProgram([...storeArgs, "--client-expiry", "0.2"]);
    using client = sumClient(server.target);
    const refused = (pattern: RegExp) => (error: Error) =>
      error.message.startsWith("FAILED_PRECONDITION: ") && pattern.test(error.message);
    assert.deepEqual(await client.Add({ num: 5, client_id: "a", seq: 1 }), { sum: 5 });
    assert.deepEqual(await client.Add({ num: 5, client_id: "a", seq: 1, resend: true }), {
      sum: 5,
    }, "a resend within the time is answered with its total");
    await new Promise((resolve) => setTimeout(resolve, 400)); // the record's time running out
    await assert.rejects(
      client.Add({ num: 5, client_id: "a", seq: 1, resend: true }),
      refused(
        /number 1 of client a…: the server has no record of this client \(never seen, or forgotten after 200 ms idle.*\), so whether number 1, sent before, was applied is unknown; not applied$/,
      ),
    );
    await assert.rejects(
      client.Add({ num: 1, client_id: "a", seq: 3, confirmed: 1 }),
      refused(/so whether its numbers from 2 on were applied is unknown; not applied$/),
    );
    assert.deepEqual(await client.Add({ num: 0 }), { sum: 5 }, "nothing applied");
    // A client that had every reply goes on after any pause.
    assert.deepEqual(await client.Add({ num: 1, client_id: "a", seq: 2, confirmed: 1 }), {
      sum: 6,
    });
    assert.deepEqual(
      await client.Add({ num: 1, client_id: "a", seq: 2, confirmed: 1, resend: true }),
      { sum: 6 },
      "its record starts again from there",
    );
  });
}

for (const store of ["memory", "sqlite", "redis"] as const) {
  Deno.test(`${store}: client records are capped: past --max-clients a new client is refused RESOURCE_EXHAUSTED, known ones go on, and one is taken once records expire`, async () => {
    await using redis = store === "redis" ? await startRedis() : undefined;
    const storeArgs = redis
      ? ["--store", redis.url]
      : store === "memory"
      ? ["--store", "memory"]
      : [];
    await using server = await startServerProgram([
      ...storeArgs,
      "--max-clients",
      "2",
      "--client-expiry",
      "1",
    ]);
    using client = sumClient(server.target);
    assert.deepEqual(await client.Add({ num: 1, client_id: "a", seq: 1 }), { sum: 1 });
    assert.deepEqual(await client.Add({ num: 1, client_id: "b", seq: 1 }), { sum: 2 });
    await assert.rejects(
      client.Add({ num: 1, client_id: "c", seq: 1 }),
      (error: Error) =>
        /^RESOURCE_EXHAUSTED: the server keeps the records of 2 clients, as many as it may \(--max-clients\), each until 1 s after its last number: a new client is taken once some expire; not applied$/
          .test(error.message),
    );
    assert.deepEqual(await client.Add({ num: 1, client_id: "a", seq: 2, confirmed: 1 }), {
      sum: 3,
    });
    assert.deepEqual(await client.Add({ num: 0 }), { sum: 3 }, "c was not applied");
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the records' time running out
    assert.deepEqual(await client.Add({ num: 1, client_id: "c", seq: 1 }), { sum: 4 });
  });
}

Deno.test("add: its reply lost and the connection silent past --client-expiry, the resend is refused, not applied twice, and reported as unknown", async () => {
  await using server = await startServerProgram(["--client-expiry", "0.5"]);
  await using cutter = startReplyCutter(Number(portOf(server.target)), {
    pass: 0,
    swallow: 1,
    holdMs: 1_500,
  });
  await using client = await startProgram("client", ["--server", cutter.target, "add", "5"]);
  assert.equal(await client.exit(), 1);
  assert.equal(client.stdout.text, "");
  assert.match(
    client.stderr.lines.at(-2)!,
    /^error: FAILED_PRECONDITION: number 1 of client \S+: the server has no record of this client .* so whether number 1, sent before, was applied is unknown; not applied$/,
  );
  assert.equal(
    client.stderr.lines.at(-1),
    "unconfirmed: 5 was sent with no reply: it may or may not have been applied",
  );
  assert.equal(await totalAt(server.target), 5, "applied once");
});

Deno.test("a stream idle past --client-expiry with every reply in goes on: its next number is applied", async () => {
  await using server = await startServerProgram(["--client-expiry", "0.2"]);
  await using client = await startProgram("client", ["--server", server.target]);
  await client.write("1\n");
  await client.stdout.waitFor(/^1\n$/);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the record's time running out
  await client.write("1\n");
  await client.closeStdin();
  assert.equal(await client.exit(), 0, client.stderr.text);
  assert.equal(client.stdout.text, "1\n2\n");
});
