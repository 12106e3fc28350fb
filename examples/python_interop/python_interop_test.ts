/**
 * The examples against Python grpcio: the tutorials' clients, rewritten in
 * their style in `tutorial_clients.py`, call the examples' servers, and the
 * examples' clients call the tutorials' servers in `tutorial_servers.py`.
 * Either way the output must be the same as between the examples themselves.
 * Needs /usr/bin/python3 with grpc and protobuf, and protoc; skipped without.
 */
import assert from "node:assert/strict";
import { pythonEnv } from "../../testing/environment.ts";
import { Printed } from "../_shared/testing.ts";
import type { StartedServer } from "../_shared/program.ts";
import * as calculator from "../calculator/client.ts";
import { startServer as startCalculator } from "../calculator/server.ts";
import { startServer as startContact } from "../contact/server.ts";
import * as greeter from "../greeter/client.ts";
import { startServer as startGreeter } from "../greeter/server.ts";
import * as position from "../position/client.ts";
import { startServer as startPosition } from "../position/server.ts";
import * as routeguide from "../routeguide/client.ts";
import { startServer as startRouteGuide } from "../routeguide/server.ts";
import * as userManager from "../user_manager/client.ts";
import { startServer as startUserManager } from "../user_manager/server.ts";

const PYTHON = "/usr/bin/python3";
const here = new URL("./", import.meta.url).pathname;
const env = pythonEnv();

/** Why the Python side cannot run here, or `undefined` if it can. */
function missingPython(): string | undefined {
  const check =
    "import grpc, google.protobuf, shutil, sys; sys.exit(shutil.which('protoc') is None)";
  try {
    const { code } = new Deno.Command(PYTHON, { args: ["-c", check], stderr: "null" }).outputSync();
    return code === 0 ? undefined : `${PYTHON} lacks grpc or protobuf, or protoc is missing`;
  } catch (error) {
    return `cannot run ${PYTHON}: ${error instanceof Error ? error.message : error}`;
  }
}

const missing = missingPython();

function test(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `python interop: ${name}${missing ? ` (skipped: ${missing})` : ""}`,
    ignore: missing !== undefined,
    fn,
  });
}

/** What a tutorial client prints against `target`. */
async function pythonClient(example: string, target: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(PYTHON, {
    args: [`${here}tutorial_clients.py`, example, target, ...args],
    clearEnv: true,
    env,
  }).output();
  const decoder = new TextDecoder();
  assert.equal(code, 0, `tutorial_clients.py ${example} failed:\n${decoder.decode(stderr)}`);
  return decoder.decode(stdout);
}

/** A tutorial server, listening on a free port; disposing stops it. */
async function pythonServer(example: string): Promise<AsyncDisposable & { target: string }> {
  const child = new Deno.Command(PYTHON, {
    args: [`${here}tutorial_servers.py`, example],
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
  };
  let text = "";
  while (!/listening on \S+\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) {
      await stop();
      throw new Error(`tutorial_servers.py ${example} exited before listening`);
    }
    text += value;
  }
  return { target: text.match(/listening on (\S+)/)![1], [Symbol.asyncDispose]: stop };
}

/** What one of the examples' clients prints against `target`. */
async function clientOutput(run: (print: (text: string) => void) => Promise<void>) {
  const out = new Printed();
  await run(out.print);
  return out.output;
}

const local = (started: StartedServer) => `localhost:${started.port}`;

/** RouteChat's sending and receiving overlap: its lines are compared in sorted order. */
function chatSorted(output: string): string {
  const [before, chat] = output.split("-------------- RouteChat --------------\n");
  return `${before}RouteChat, sorted:\n${chat.split("\n").sort().join("\n")}`;
}

const ROUTE = [
  { latitude: 406892494, longitude: -740445004 },
  { latitude: 407484405, longitude: -739856644 },
  { latitude: 407000000, longitude: -740000000 },
  { latitude: 407060855, longitude: -739968570 },
];
const ROUTE_ARGS = ROUTE.map(({ latitude, longitude }) => `${latitude},${longitude}`);

test("the Greeter client prints the same against either server", async () => {
  await using ours = await startGreeter({ port: 0 });
  await using theirs = await pythonServer("greeter");
  const expected = "Greeter client received: hello czl\nGreeter client received: hello daydaygo\n";
  assert.equal(await pythonClient("greeter", local(ours)), expected);
  assert.equal(await clientOutput((print) => greeter.runClient(theirs.target, print)), expected);
});

test("the calculator client prints 100 + 300 = 400, 100 * 300 = 30000 either way", async () => {
  await using ours = await startCalculator({ port: 0 }, () => {});
  await using theirs = await pythonServer("calculator");
  const expected = "100 + 300 = 400\n100 * 300 = 30000\n";
  assert.equal(await pythonClient("calculator", local(ours)), expected);
  assert.equal(await clientOutput((print) => calculator.runClient(theirs.target, print)), expected);
});

test("RouteGuide, all four call kinds: the same output from either client and server", async () => {
  await using ours = await startRouteGuide({ port: 0 });
  await using theirs = await pythonServer("routeguide");
  const expected = await clientOutput((print) =>
    routeguide.runClient(local(ours), print, { route: ROUTE })
  );
  assert.match(expected, /Finished trip with 4 points \nPassed 3 features \nTravelled 14487 /);
  assert.equal(
    chatSorted(await pythonClient("routeguide", local(ours), ...ROUTE_ARGS)),
    chatSorted(expected),
  );
  const againstPython = await clientOutput((print) =>
    routeguide.runClient(theirs.target, print, { route: ROUTE })
  );
  assert.equal(chatSorted(againstPython), chatSorted(expected));
});

test("the position client prints floats exactly as Python does", async () => {
  const times = [0, 1_800, 1_800];
  await using ours = await startPosition({ port: 0 }, () => times.shift()!);
  const expected = await clientOutput((print) =>
    position.runClient(local(ours), print, { polls: 1, everyMs: 0 })
  );
  assert.match(expected, /x:6\.123234262925839e-17, y:1\.0, z:0\.0\n/);
  assert.equal(await pythonClient("position", local(ours)), expected);
});

test("user manager: count and chat print the same from the Python client", async () => {
  await using ours = await startUserManager({ port: 0 }, () => {});
  const count = await clientOutput((print) =>
    userManager.runClient(local(ours), print, { count: [1, 2, 3] })
  );
  assert.equal(await pythonClient("user_count", local(ours)), count);
  const lines = ["hello", "how are you?"];
  const chat = await clientOutput((print) =>
    userManager.runClient(local(ours), print, { chat: lines })
  );
  assert.equal(await pythonClient("user_chat", local(ours), ...lines), chat);
});

test("contact: a Python client gets status answers and pushed tasks, and confirms them", async () => {
  const serverOut = new Printed();
  await using ours = await startContact({ port: 0 }, { print: serverOut.print });
  ours.tasks.add("task: 101", "task: 102");
  assert.equal(
    await pythonClient("contact", local(ours), "2"),
    "server received message: data: 7\nserver received message: data: 12\n" +
      "client received task from the server: task: 101\n" +
      "client received task from the server: task: 102\n",
  );
  await serverOut.waitFor((texts) =>
    texts.some((text) => text.endsWith("task: 102") && text.startsWith("the client"))
  );
  assert.deepEqual(serverOut.texts.filter((text) => text.startsWith("the client")), [
    "the client confirmed: client received task: task: 101",
    "the client confirmed: client received task: task: 102",
  ]);
});
