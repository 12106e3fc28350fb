import assert from "node:assert/strict";
import { startRedis } from "../testing/redis.ts";
import { type CallSummary, GrpcServer, Status } from "../lib/mod.ts";
import { IN_FLIGHT_WINDOW, runClient } from "../client.ts";
import { SumService } from "../sum/api.ts";
import {
  closedPort,
  runClientOn,
  startProgram,
  startServerProgram,
  startSumServer,
  TextSink,
  textStream,
} from "./helpers.ts";
import { type FirstFailure, startFirstConnectionFront } from "./first_connection.ts";

/** A stdin that stays open until `close` is called, fed by `write`. */
function openStdin() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    write: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    close: () => controller.close(),
  };
}

Deno.test("client streams stdin and prints each running total: 1 2 3 prints 1, 3, 6", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, [], { stdin: textStream("1 2 3\n") });
  assert.deepEqual(run, { status: 0, stdout: ["1", "3", "6"], stderr: [] });
});

Deno.test("client sends each number as soon as it is read and prints its total at once", async () => {
  await using sum = await startSumServer();
  const stdin = openStdin();
  const stdout = new TextSink();
  const running = runClientOn(sum.target, [], { stdin: stdin.stream, stdout });
  stdin.write("5\n");
  await stdout.waitFor(/^5\n$/);
  stdin.write("7\n");
  await stdout.waitFor(/^5\n12\n$/);
  stdin.close();
  assert.equal((await running).status, 0);
});

Deno.test("client reports each bad token with its line, skips it, sends the rest and exits 1", async () => {
  await using sum = await startSumServer();
  const stdin = textStream("1 x\n", "2\n2147483648 3.5\n", "-4");
  const run = await runClientOn(sum.target, [], { stdin });
  assert.equal(run.status, 1);
  assert.deepEqual(run.stdout, ["1", "3", "-1"]);
  assert.deepEqual(run.stderr, [
    'line 1: "x" is not an integer; skipped',
    'line 3: "2147483648" is outside int32 [-2147483648, 2147483647]; skipped',
    'line 3: "3.5" is not an integer; skipped',
  ]);
  assert.equal(sum.total.value, -1);
});

Deno.test("a token split across reads is read whole", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, [], { stdin: textStream("1", "2 3", "4\n") });
  assert.deepEqual(run.stdout, ["12", "46"]);
});

Deno.test("client add N adds one number and prints the new total", async () => {
  await using sum = await startSumServer();
  await runClientOn(sum.target, ["add", "40"]);
  const run = await runClientOn(sum.target, ["add", "2"]);
  assert.deepEqual(run, { status: 0, stdout: ["42"], stderr: [] });
});

Deno.test("client add takes a negative number as the number, not as an option", async () => {
  await using sum = await startSumServer();
  await runClientOn(sum.target, ["add", "40"]);
  const run = await runClientOn(sum.target, ["add", "-5"]);
  assert.deepEqual(run, { status: 0, stdout: ["35"], stderr: [] });
});

Deno.test("client add with a bad number is a usage error and sends nothing", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, ["add", "ten"]);
  assert.equal(run.status, 2);
  assert.deepEqual(run.stderr, ['error: "ten" is not an integer', "run with --help for usage"]);
  assert.equal(sum.total.value, 0);
});

Deno.test("client add-all adds stdin as one batch and prints the total after it", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, ["add-all"], { stdin: textStream("1 2\n3 oops\n4\n") });
  assert.equal(run.status, 1, "a bad token makes the exit status 1");
  assert.deepEqual(run.stdout, ["10"]);
  assert.deepEqual(run.stderr, ['line 2: "oops" is not an integer; skipped']);
});

Deno.test("client add-all of an overflowing batch applies nothing and says so", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, ["add-all"], { stdin: textStream("2147483647 1") });
  assert.equal(run.status, 1);
  assert.deepEqual(run.stdout, []);
  assert.match(run.stderr[0], /^error: OUT_OF_RANGE: adding the batch of 2 numbers/);
  assert.equal(run.stderr[1], "nothing was applied (the batch is all or nothing)");
  assert.equal(sum.total.value, 0);
});

Deno.test("client watch prints the total and each change until interrupted, then exits 130", async () => {
  await using sum = await startSumServer();
  const stdout = new TextSink();
  const interrupt = new AbortController();
  const watching = runClientOn(sum.target, ["watch"], { stdout, signal: interrupt.signal });
  await stdout.waitFor(/^0\n$/);
  await runClientOn(sum.target, ["add", "3"]);
  await stdout.waitFor(/^0\n3\n$/);
  interrupt.abort();
  const run = await watching;
  assert.equal(run.status, 130);
  assert.deepEqual(run.stderr, ["interrupted: call cancelled"]);
});

Deno.test("client interrupted mid-stream cancels the call on the server and exits 130", async () => {
  const cancelled = Promise.withResolvers<CallSummary>();
  await using sum = await startSumServer({ onCallEnd: cancelled.resolve });
  const stdin = openStdin();
  const stdout = new TextSink();
  const interrupt = new AbortController();
  const running = runClientOn(sum.target, [], {
    stdin: stdin.stream,
    stdout,
    signal: interrupt.signal,
  });
  stdin.write("1\n2\n");
  await stdout.waitFor(/^1\n3\n$/);
  interrupt.abort();
  const run = await running;
  assert.equal(run.status, 130);
  assert.deepEqual(run.stderr, [
    "interrupted: call cancelled",
    "applied: 2 numbers (total 3)",
    "not sent: anything after line 2",
  ]);
  assert.equal((await cancelled.promise).code, Status.CANCELLED);
});

Deno.test("client says which numbers were applied when the server rejects one midway", async () => {
  await using sum = await startSumServer();
  const run = await runClientOn(sum.target, [], { stdin: textStream("1\n2\n2147483647\n4\n") });
  assert.equal(run.status, 1);
  assert.deepEqual(run.stdout, ["1", "3"]);
  assert.match(run.stderr[0], /^error: OUT_OF_RANGE: adding 2147483647 to the total 3/);
  assert.deepEqual(run.stderr.slice(1), [
    "applied: 2 numbers (total 3)",
    "not applied: 2147483647 (line 3) and everything after it",
  ]);
  assert.equal(sum.total.value, 3);
});

Deno.test("with --no-retry, the client says what is unknown when the server goes away midway", async () => {
  await using sum = await startSumServer();
  const stdin = openStdin();
  const stdout = new TextSink();
  const running = runClientOn(sum.target, ["--no-retry"], { stdin: stdin.stream, stdout });
  stdin.write("1\n2\n");
  await stdout.waitFor(/^1\n3\n$/);
  await sum.server.shutdown({ graceMs: 0 });
  const run = await running;
  assert.equal(run.status, 1);
  assert.deepEqual(run.stdout, ["1", "3"]);
  assert.match(run.stderr[0], /^error: /);
  assert.deepEqual(run.stderr.slice(1), [
    "applied: 2 numbers (total 3)",
    "not sent: anything after line 2",
  ]);
});

Deno.test("client fails fast with one clear line when no server listens", async () => {
  const target = `localhost:${closedPort()}`;
  const started = performance.now();
  const run = await runClientOn(target, [], { stdin: openStdin().stream });
  assert.ok(performance.now() - started < 5_000);
  assert.equal(run.status, 1);
  assert.match(run.stderr[0], new RegExp(`^error: cannot reach the server at ${target}: `));
  assert.deepEqual(run.stderr.slice(1), ["nothing was applied"]);
});

/**
 * Runs `client.ts` as a program on `target` with `input` on stdin; one that
 * has not exited after a minute is hung, and is killed (status 137).
 */
async function runClientProgram(target: string, input: string, args: string[] = []) {
  await using client = await startProgram("client", ["--server", target, ...args]);
  await client.write(input);
  await client.closeStdin();
  const hung = setTimeout(() => client.process.kill("SIGKILL"), 60_000);
  const status = await client.exit().finally(() => clearTimeout(hung));
  return { status, stdout: client.stdout.lines, stderr: client.stderr.lines };
}

/**
 * Runs the client, with `args`, on a server whose first `count` connections
 * fail as `how`; resolves to the run, with how many connections it made.
 */
async function runThroughFirstFailure(how: FirstFailure, count = 1, args: string[] = []) {
  await using server = await startServerProgram();
  const port = Number(server.target.split(":")[1]);
  await using front = await startFirstConnectionFront(port, how, count);
  const run = await runClientProgram(front.target, "1 2 3\n", args);
  await front.failed;
  return { ...run, target: front.target, connections: front.connections };
}

Deno.test("a server that sends GOAWAY as soon as it accepts the connection (a worker starting to drain): the client connects again at once and prints 1, 3, 6", async () => {
  const { status, stdout, stderr } = await runThroughFirstFailure("goaway");
  assert.deepEqual({ status, stdout, stderr }, { status: 0, stdout: ["1", "3", "6"], stderr: [] });
});

Deno.test("a server that ends every connection with GOAWAY as it is set up: the client backs off, and gives up after --retry-for with nothing applied", async () => {
  const run = await runThroughFirstFailure("goaway", Infinity, ["--retry-for", "1"]);
  assert.equal(run.status, 1, run.stderr.join("\n"));
  assert.deepEqual(run.stdout, []);
  const ended = `cannot reach the server at ${run.target}: ` +
    "the server ended the connection as it was set up, twice in a row";
  assert.deepEqual(run.stderr, [
    `notice: ${ended}; reconnecting and resending what was not confirmed (for up to 1 s)`,
    `error: ${ended}`,
    "gave up after retrying for 1 s",
    "nothing was applied",
  ]);
  // Without backoff grpc-js would have opened thousands a second.
  assert.ok(run.connections <= 20, `${run.connections} connections in about a second`);
});

Deno.test("a server that resets the connection as it is set up (a worker's listener closing): the client says so, connects again and prints 1, 3, 6", async () => {
  const run = await runThroughFirstFailure("reset");
  assert.equal(run.status, 0, run.stderr.join("\n"));
  assert.deepEqual(run.stdout, ["1", "3", "6"]);
  assert.equal(run.stderr.length, 1, run.stderr.join("\n"));
  assert.match(
    run.stderr[0],
    new RegExp(
      `^notice: cannot reach the server at ${run.target}: it reset the connection as it was set up ` +
        "\\((read|write|connect) (ECONNRESET|EPIPE)[^)]*\\); reconnecting and resending",
    ),
  );
});

Deno.test("a name that does not resolve: the client says so, and that nothing was applied", async () => {
  const run = await runClientOn("nosuchhost.invalid:50051", [], { stdin: textStream("1 2\n") });
  assert.equal(run.status, 1);
  assert.deepEqual(run.stderr, [
    "error: cannot reach the server at nosuchhost.invalid:50051: the name nosuchhost.invalid does not resolve",
    "nothing was applied",
  ]);
});

Deno.test("--host with a port in it says what to write instead", async () => {
  const run = await runClientOn(`localhost:${closedPort()}`, [
    "--host",
    "localhost:50051",
    "add",
    "1",
  ]);
  assert.equal(run.status, 2);
  assert.deepEqual(run.stderr, [
    'error: --host takes a host, not "localhost:50051": write --host localhost --port 50051',
    "run with --help for usage",
  ]);
});

Deno.test("client usage errors exit 2 with one line and a hint; --help prints usage", async () => {
  const target = `localhost:${closedPort()}`;
  for (const args of [["frobnicate"], ["--port", "99999"], ["--nope"], ["watch", "extra"]]) {
    const run = await runClientOn(target, args);
    assert.equal(run.status, 2, args.join(" "));
    assert.equal(run.stderr.length, 2);
    assert.match(run.stderr[0], /^error: /);
  }
  for (
    const [args, line] of [
      [["add", "1", "--verbose"], "unknown option --verbose"],
      [["--host"], "--host needs a value"],
      [["--host", "-x"], '--host needs a value (for one that starts with "-", write --host=VALUE)'],
      [["--help=yes"], "--help takes no value"],
    ] as const
  ) {
    const run = await runClientOn(target, [...args]);
    assert.deepEqual(run.stderr, [`error: ${line}`, "run with --help for usage"], args.join(" "));
  }
  const help = await runClientOn(target, ["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout[0], /^Usage: /);
});

Deno.test("client keeps at most IN_FLIGHT_WINDOW numbers unanswered, reading stdin no further ahead", async () => {
  // A server that answers the first number, then reads on without answering.
  const server = new GrpcServer();
  const stalled = Promise.withResolvers<void>();
  server.add(SumService, {
    async *SumServer(requests, context) {
      for await (const { num } of requests) {
        yield { sum: num };
        break;
      }
      stalled.resolve();
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
    },
    Add: () => ({ sum: 0 }),
    AddAll: () => ({ sum: 0 }),
    Watch: async function* () {},
  });
  const port = await server.listen();
  let pulled = 0;
  const stdin = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new TextEncoder().encode("1\n"));
    },
  }, { highWaterMark: 0 });
  const interrupt = new AbortController();
  const running = runClientOn(`localhost:${port}`, [], { stdin, signal: interrupt.signal });
  await stalled.promise;
  // Give an unbounded reader time to run ahead.
  await new Promise((resolve) => setTimeout(resolve, 300));
  interrupt.abort();
  await running;
  await server.shutdown({ graceMs: 0 });
  assert.ok(pulled <= IN_FLIGHT_WINDOW + 10, `read ${pulled} numbers with 1 answered`);
  assert.ok(pulled >= IN_FLIGHT_WINDOW, `read only ${pulled}: the window is not used`);
});

Deno.test("on a terminal, a bad token's message comes after the totals of the numbers typed before it, in input order", async () => {
  await using sum = await startSumServer();
  const [host, port] = sum.target.split(":");
  // stdout and stderr on one screen, as in a terminal.
  const screen: string[] = [];
  const decoder = new TextDecoder();
  const toScreen = () =>
    new WritableStream<Uint8Array>({
      write: (chunk) => {
        screen.push(...decoder.decode(chunk).split("\n").filter((line) => line !== ""));
      },
    });
  const status = await runClient(["--host", host, "--port", port], {
    stdin: textStream("1\nx\n2\n"),
    stdout: toScreen(),
    stderr: toScreen(),
    signal: new AbortController().signal,
  });
  assert.equal(status, 1);
  assert.deepEqual(screen, ["1", 'line 2: "x" is not an integer; skipped', "3"]);
});

Deno.test("on a terminal, the client says how to type the numbers, and add-all that Ctrl-D sends the batch", async () => {
  await using sum = await startSumServer();
  const streamed = await runClientOn(sum.target, [], { stdin: textStream("1\n"), terminal: true });
  assert.equal(streamed.status, 0);
  assert.match(streamed.stderr[0], /^Type integers, .* Enter, .* Ctrl-D ends; Ctrl-C cancels\.$/);
  const batch = await runClientOn(sum.target, ["add-all"], {
    stdin: textStream("1 2\n"),
    terminal: true,
  });
  assert.equal(batch.status, 0);
  assert.match(batch.stderr[0], /Ctrl-D sends them all as one batch/);
  const piped = await runClientOn(sum.target, [], { stdin: textStream("1\n") });
  assert.deepEqual(piped.stderr, [], "no hint when stdin is not a terminal");
});

Deno.test("a client pointed at a port that is not gRPC (a Redis) says the server does not answer as gRPC", async () => {
  await using redis = await startRedis();
  const target = `127.0.0.1:${new URL(redis.url).port}`;
  const run = await runClientOn(target, ["add", "5"]);
  assert.equal(run.status, 1);
  assert.deepEqual(run.stderr, [
    `error: cannot reach the server at ${target}: it does not answer as a gRPC server: ` +
    `is ${target} the right port?`,
    "nothing was applied",
  ]);
});
