/**
 * The examples as programs, started the way their deno tasks start them:
 * flags, the listening line, output, signals and exit statuses.
 */
import assert from "node:assert/strict";
import { startTask, type TaskRun } from "./_shared/task_run.ts";
import { closedPort } from "../testing/programs.ts";

const EXAMPLES = [
  "greeter",
  "calculator",
  "routeguide",
  "position",
  "contact",
  "user_manager",
  "compute",
];

/**
 * Starts an example's server on a free port; resolves once it listens, on
 * its default host: localhost, or 127.0.0.1 for compute, as in its tutorial.
 */
async function startServer(example: string): Promise<TaskRun & { port: string }> {
  const server = await startTask(`example:${example}:server`, ["--port", "0"]);
  const host = example === "compute" ? "127\\.0\\.0\\.1" : "localhost";
  const [, port] = await server.waitForStdout(new RegExp(`^listening on ${host}:(\\d+)\n`));
  return Object.assign(server, { port });
}

Deno.test("programs: every server prints its listening line, and exits 0 on SIGINT or SIGTERM", async () => {
  await Promise.all(EXAMPLES.map(async (example, i) => {
    await using server = await startServer(example);
    server.process.kill(i % 2 === 0 ? "SIGINT" : "SIGTERM");
    assert.equal(await server.exit(), 0, `${example}: ${server.stderr()}`);
  }));
});

Deno.test("programs: the greeter and calculator clients print the tutorials' lines", async () => {
  await using greeter = await startServer("greeter");
  await using calculator = await startServer("calculator");
  await using greet = await startTask("example:greeter:client", ["--port", greeter.port]);
  await using calculate = await startTask("example:calculator:client", ["--port", calculator.port]);
  await using calculateOthers = await startTask("example:calculator:client", [
    "--port",
    calculator.port,
    "--",
    "7",
    "-6",
  ]);
  assert.equal(await greet.exit(), 0);
  assert.equal(
    greet.stdout(),
    "Greeter client received: hello czl\nGreeter client received: hello daydaygo\n",
  );
  assert.equal(await calculate.exit(), 0);
  assert.equal(calculate.stdout(), "100 + 300 = 400\n100 * 300 = 30000\n");
  assert.equal(await calculateOthers.exit(), 0);
  assert.equal(calculateOthers.stdout(), "7 + -6 = 1\n7 * -6 = -42\n");
  await calculator.waitForStdout(/Add function called\nMultiply service called\n/);
});

Deno.test("programs: the compute client prints the length of 123456, at the tutorial's address by default", async () => {
  await using server = await startServer("compute");
  await using client = await startTask("example:compute:client", ["--port", server.port]);
  assert.equal(await client.exit(), 0, client.stderr());
  assert.equal(client.stdout(), "received: 6\n");
  await using help = await startTask("example:compute:client", ["--help"]);
  assert.equal(await help.exit(), 0);
  assert.match(help.stdout(), /\n {2}--host HOST {3}server host \(default: 127\.0\.0\.1\)\n/);
  assert.match(help.stdout(), /\n {2}--port PORT {3}server port \(default: 19999\)\n/);
});

Deno.test("programs: the routeguide client records a random route of ten features", async () => {
  await using server = await startServer("routeguide");
  await using client = await startTask("example:routeguide:client", ["--port", server.port]);
  assert.equal(await client.exit(), 0, client.stderr());
  assert.match(client.stdout(), /^-------------- GetFeature --------------\n/);
  assert.match(client.stdout(), /\nFinished trip with 10 points \nPassed 10 features \n/);
  assert.match(client.stdout(), /\nReceived message Third message at latitude: 1\n\n$/);
});

Deno.test("programs: the user manager chat client sends each line of its input", async () => {
  await using server = await startServer("user_manager");
  await using client = await startTask(
    "example:user_manager:client",
    ["--port", server.port, "chat"],
    { stdin: "hello\nbye" },
  );
  assert.equal(await client.exit(), 0, client.stderr());
  assert.equal(
    client.stdout(),
    "--- Input your message -------\n" +
      "Received message [id=1, msg=Thank!!!]\nReceived message [id=1, msg=good day!!!]\n" +
      "Received message [id=2, msg=Thank!!!]\nReceived message [id=2, msg=good day!!!]\n",
  );
});

Deno.test("programs: the chat client stops at Ctrl-C while it waits for input, exit 130", async () => {
  await using server = await startServer("user_manager");
  await using client = await startTask("example:user_manager:client", [
    "--port",
    server.port,
    "chat",
  ]);
  await client.waitForStdout(/^--- Input your message -------\n$/);
  client.process.kill("SIGINT");
  assert.equal(await client.exit(), 130);
});

Deno.test("programs: the position and contact clients run until Ctrl-C, then exit 130", async () => {
  await using position = await startServer("position");
  await using contact = await startServer("contact");
  await using poller = await startTask("example:position:client", ["--port", position.port]);
  await using worker = await startTask("example:contact:client", ["--port", contact.port]);
  await poller.waitForStdout(/\nPositionRes 0, character position, x:\S+, y:\S+, z:0\.0\n/);
  await worker.waitForStdout(/^client received task from the server: task: \d+$/m);
  await contact.waitForStdout(/^the client confirmed: client received task: task: \d+$/m);
  poller.process.kill("SIGINT");
  worker.process.kill("SIGINT");
  assert.equal(await poller.exit(), 130);
  assert.equal(await worker.exit(), 130);
});

Deno.test("programs: mistakes get one line on stderr, without a stack trace", async () => {
  await using badPort = await startTask("example:greeter:server", ["--port", "seventy"]);
  await using badArgs = await startTask("example:calculator:client", ["7"]);
  await using noCommand = await startTask("example:user_manager:client", []);
  const port = String(closedPort());
  await using unreachable = await startTask("example:greeter:client", ["--port", port]);
  await using first = await startServer("calculator");
  await using taken = await startTask("example:calculator:server", ["--port", first.port]);

  assert.equal(await badPort.exit(), 2);
  assert.equal(
    badPort.stderr(),
    'error: --port must be an integer from 0 to 65535, not "seventy"\nrun with --help for usage\n',
  );
  assert.equal(await badArgs.exit(), 2);
  assert.equal(
    badArgs.stderr(),
    "error: give two numbers, or none for 100 and 300\nrun with --help for usage\n",
  );
  assert.equal(await noCommand.exit(), 2);
  assert.match(noCommand.stderr(), /^error: give a command: "count \[ID\.\.\.\]" or "chat"\n/);
  assert.equal(await unreachable.exit(), 1);
  assert.equal(
    unreachable.stderr(),
    `error: cannot reach the server at localhost:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
  );
  assert.equal(await taken.exit(), 1);
  assert.equal(
    taken.stderr(),
    `error: cannot listen on localhost:${first.port}: address already in use\n`,
  );
});

Deno.test("programs: --help prints the usage, naming the command as the user started it, and exits 0", async () => {
  await using server = await startTask("example:contact:server", ["--help"]);
  await using client = await startTask("example:user_manager:client", ["-h"]);
  assert.equal(await server.exit(), 0);
  assert.match(server.stdout(), /^Usage: deno task example:contact:server \[--host HOST\] /);
  assert.equal(await client.exit(), 0);
  assert.match(
    client.stdout(),
    /^Usage: deno task example:user_manager:client \[--host HOST\] \[--port PORT\] count \[ID\.\.\.\] \| chat\n/,
  );
  assert.ok(client.stdout().includes("\n  --port PORT   server port (default: 1234)\n"));
  // What npm sets for a program that npx runs; deno task passes it on.
  const npx = { env: { npm_command: "exec" } };
  for (const task of ["example:greeter:server", "example:greeter:client"]) {
    await using viaNpx = await startTask(task, ["--help"], npx);
    assert.equal(await viaNpx.exit(), 0);
    assert.match(viaNpx.stdout(), new RegExp(`^Usage: npx -y deno@2\\.8\\.3 task ${task} `));
  }
});
