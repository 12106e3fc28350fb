import assert from "node:assert/strict";
import { closedPort, startProgram, startServerProgram, TextSink } from "./helpers.ts";
import { taskArgs } from "../testing/programs.ts";
import { SERVER_ENV, workerPermissions } from "../sum_cli/workers.ts";

Deno.test("server.ts and client.ts as real programs: echo 1 2 3 | client prints 1, 3, 6", async () => {
  await using server = await startServerProgram();
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port]);
  await client.write("1 2 3\n");
  await client.closeStdin();
  assert.equal(await client.exit(), 0);
  assert.equal(client.stdout.text, "1\n3\n6\n");
  assert.match(server.stdout.text, /^listening on localhost:\d+\n$/);
});

Deno.test("server logs one line per call and exits 0 on SIGTERM", async () => {
  await using server = await startServerProgram();
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port, "add", "5"]);
  assert.equal(await client.exit(), 0);
  await server.stderr.waitFor(
    / info call method=\/sum\.SumService\/Add peer=\S+ status=OK duration_ms=[\d.]+\n/,
  );
  server.process.kill("SIGTERM");
  assert.equal(await server.exit(), 0);
  assert.match(server.stderr.text, / info shutting down signal=SIGTERM grace_s=5\n/);
  assert.match(server.stderr.text, / info stopped\n$/);
});

Deno.test("server on SIGINT ends a watcher at once and stops within the grace period", async () => {
  await using server = await startServerProgram(["--grace", "2"]);
  const port = server.target.split(":").at(-1)!;
  await using watcher = await startProgram("client", ["--port", port, "watch"]);
  await watcher.stdout.waitFor(/^0\n$/);
  server.process.kill("SIGINT");
  assert.equal(await watcher.exit(), 1);
  assert.match(watcher.stderr.text, /UNAVAILABLE: the server is shutting down/);
  assert.equal(await server.exit(), 0);
});

Deno.test("client exits 130 on Ctrl-C (SIGINT), cancelling its call", async () => {
  await using server = await startServerProgram();
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port]);
  await client.write("4\n");
  await client.stdout.waitFor(/^4\n$/);
  client.process.kill("SIGINT");
  assert.equal(await client.exit(), 130);
  await server.stderr.waitFor(/method=\/sum\.SumService\/SumServer peer=\S+ status=CANCELLED/);
});

Deno.test("an add-all interrupted by Ctrl-C (SIGINT) applies nothing", async () => {
  await using server = await startServerProgram(["--log-level", "debug"]);
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port, "add-all"]);
  await client.write("4\n5\n");
  await server.stderr.waitFor(/call started method=\/sum\.SumService\/AddAll /);
  client.process.kill("SIGINT");
  assert.equal(await client.exit(), 130);
  assert.match(client.stderr.text, /nothing was applied/);
  await server.stderr.waitFor(/method=\/sum\.SumService\/AddAll peer=\S+ status=CANCELLED/);
  await using check = await startProgram("client", ["--port", port, "add", "0"]);
  assert.equal(await check.exit(), 0);
  assert.equal(check.stdout.text, "0\n");
});

Deno.test("client against a port nobody listens on: one clear line, exit 1", async () => {
  const port = String(closedPort());
  await using client = await startProgram("client", ["--port", port, "add", "1"]);
  assert.equal(await client.exit(), 1);
  const lines = client.stderr.text.trim().split("\n");
  assert.match(lines[0], new RegExp(`^error: cannot reach the server at localhost:${port}: `));
  assert.doesNotMatch(client.stderr.text, /\n\s+at /, "no stack trace");
});

Deno.test("server with a bad flag or a taken port says so in one line, without a stack trace", async () => {
  await using badFlag = await startProgram("server", ["--port", "seventy"]);
  assert.equal(await badFlag.exit(), 2);
  assert.equal(
    badFlag.stderr.text,
    'error: --port must be an integer from 0 to 65535, not "seventy"\nrun with --help for usage\n',
  );

  await using first = await startServerProgram();
  const port = first.target.split(":").at(-1)!;
  await using second = await startProgram("server", ["--port", port, "--store", "memory"]);
  assert.equal(await second.exit(), 1);
  assert.equal(
    second.stderr.text,
    `error: cannot listen on localhost:${port}: address already in use\n`,
  );
  assert.doesNotMatch(second.stderr.text, /\n\s+at /, "no stack trace");
});

Deno.test("server --log-format json writes one JSON object per line; --log-level warn hides calls", async () => {
  await using server = await startServerProgram(["--log-format", "json"]);
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port, "add", "5"]);
  assert.equal(await client.exit(), 0);
  await server.stderr.waitFor(/"msg":"call"/);
  const call = server.stderr.lines.map((line) => JSON.parse(line)).find((entry) =>
    entry.msg === "call"
  );
  assert.equal(call.level, "info");
  assert.equal(call.method, "/sum.SumService/Add");
  assert.equal(call.status, "OK");
  assert.equal(typeof call.duration_ms, "number");
  assert.match(call.peer, /:\d+$/);

  await using quiet = await startServerProgram(["--log-level", "warn"]);
  const quietPort = quiet.target.split(":").at(-1)!;
  await using other = await startProgram("client", ["--port", quietPort, "add", "5"]);
  assert.equal(await other.exit(), 0);
  quiet.process.kill("SIGTERM");
  assert.equal(await quiet.exit(), 0);
  assert.equal(quiet.stderr.text, "");
});

Deno.test("one Ctrl-C in a terminal under deno task (SIGINT to the whole process group) shuts down gracefully: an open stream still finishes", async () => {
  // setsid: a process group of its own, as a terminal gives a job.
  const task = new Deno.Command("setsid", {
    args: [Deno.execPath(), "task", "server", "--port", "0", "--store", "memory"],
    cwd: new URL("../", import.meta.url),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new TextSink();
  const stderr = new TextSink();
  const piped = Promise.all([task.stdout.pipeTo(stdout.stream), task.stderr.pipeTo(stderr.stream)]);
  try {
    await stdout.waitFor(/listening on \S+:\d+\n/);
    const port = stdout.text.match(/listening on \S+:(\d+)/)![1];
    await using client = await startProgram("client", ["--port", port]);
    await client.write("1\n");
    await client.stdout.waitFor(/^1\n$/);
    Deno.kill(-task.pid, "SIGINT");
    await stderr.waitFor(/ info shutting down signal=SIGINT/);
    await client.write("2\n");
    await client.stdout.waitFor(/^1\n3\n$/);
    await client.closeStdin();
    assert.equal(await client.exit(), 0);
    assert.equal((await task.status).code, 0);
    await piped;
    assert.doesNotMatch(stderr.text, /cancelling the open calls now/);
    assert.match(stderr.text, / info stopped\n$/);
  } finally {
    try {
      Deno.kill(-task.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await task.status;
    await piped;
  }
});

Deno.test("with http_proxy set, a loopback server is reached directly, and a proxy that fails is named", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  const port = server.target.split(":").at(-1)!;
  const proxyPort = closedPort();
  const env = { http_proxy: `http://127.0.0.1:${proxyPort}`, https_proxy: "" };
  await using direct = await startProgram("client", ["--port", port, "add", "1"], { env });
  assert.equal(await direct.exit(), 0, direct.stderr.text);
  assert.equal(direct.stdout.text, "1\n");
  await using proxied = await startProgram(
    "client",
    ["--host", "example.com", "--port", port, "add", "1"],
    { env },
  );
  assert.equal(await proxied.exit(), 1);
  assert.equal(
    proxied.stderr.text,
    `error: cannot reach the server at example.com:${port} through the proxy 127.0.0.1:${proxyPort}: ` +
      `connect ECONNREFUSED 127.0.0.1:${proxyPort}\nnothing was applied\n`,
  );
});

Deno.test("--version: both programs print their name, version, Deno's and grpc-js's", async () => {
  for (const program of ["server", "client"]) {
    await using run = await startProgram(program, ["--version"]);
    assert.equal(await run.exit(), 0, run.stderr.text);
    assert.match(
      run.stdout.text,
      new RegExp(
        `^sum ${program} \\d+\\.\\d+\\.\\d+ \\(Deno 2\\.8\\.3, grpc-js \\d+\\.\\d+\\.\\d+\\)\\n$`,
      ),
    );
  }
});

Deno.test("--help names the command as the user started the program: deno task, or npx for npm users", async () => {
  for (const program of ["server", "client"]) {
    await using direct = await startProgram(program, ["--help"]);
    assert.equal(await direct.exit(), 0);
    assert.match(direct.stdout.text, new RegExp(`^Usage: deno task ${program} `));
    // What npm sets for a program that npx runs; deno task passes it on.
    await using viaNpx = await startProgram(program, ["--help"], { env: { npm_command: "exec" } });
    assert.equal(await viaNpx.exit(), 0);
    assert.match(viaNpx.stdout.text, new RegExp(`^Usage: npx -y deno@2\\.8\\.3 task ${program} `));
  }
});

Deno.test("client total: the server logs the Watch that answered it as OK, not as cancelled by the client", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  await using total = await startProgram("client", ["--server", server.target, "total"]);
  assert.equal(await total.exit(), 0, total.stderr.text);
  assert.equal(total.stdout.text, "0\n");
  await server.stderr.waitFor(/ call method=\/sum\.SumService\/Watch /);
  assert.match(server.stderr.text, / call method=\/sum\.SumService\/Watch peer=\S+ status=OK /);
});

Deno.test("the server task grants the environment the server and its workers read, and --allow-run, which only the supervisor uses", async () => {
  const args = await taskArgs("server");
  const env = args.find((arg) => arg.startsWith("--allow-env="))?.slice("--allow-env=".length);
  assert.deepEqual(env?.split(","), SERVER_ENV);
  assert.ok(args.includes("--allow-run"));
  assert.ok(
    !workerPermissions({ store: { kind: "memory" } }).some((flag) => /allow-run/.test(flag)),
  );
});
