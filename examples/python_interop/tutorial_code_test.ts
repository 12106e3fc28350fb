/**
 * The tutorials' own Python code, as published but for the address it
 * connects to or listens on (`tutorial/`), against the examples: the
 * compute client and server, the RouteGuide client and server of the
 * tutorial that calls the streaming method `ListFeature`, and the position
 * client and server, which call the service `PositinService`. Their stubs are
 * generated when they run (`run_tutorial.py`). Needs /usr/bin/python3 with
 * grpc and grpc_tools; the position tutorial's server also needs numpy
 * (Debian: python3-numpy, which CI installs). Skipped, saying so, without.
 */
import assert from "node:assert/strict";
import { PYTHON, PythonProgram } from "../../interop/python.ts";
import { Printed } from "../_shared/testing.ts";
import type { StartedServer } from "../_shared/program.ts";
import * as compute from "../compute/client.ts";
import { startServer as startCompute } from "../compute/server.ts";
import * as position from "../position/client.ts";
import { startServer as startPosition } from "../position/server.ts";
import * as routeguide from "../routeguide/client.ts";
import { startServer as startRouteGuide } from "../routeguide/server.ts";

const here = (path: string) => new URL(path, import.meta.url).pathname;
const ROUTEGUIDE_DIR = here("../routeguide/");

/** Why `modules` cannot be imported by /usr/bin/python3, or `undefined` if they can. */
function missingModules(modules: string): string | undefined {
  try {
    const { success } = new Deno.Command(PYTHON, {
      args: ["-c", `import ${modules}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? undefined : `${PYTHON} cannot import ${modules}`;
  } catch (error) {
    return `cannot run ${PYTHON}: ${error instanceof Error ? error.message : error}`;
  }
}

const missing = missingModules("grpc, grpc_tools.protoc");

function test(name: string, fn: () => Promise<void>, needs = missing): void {
  Deno.test({
    name: `tutorial code: ${name}${needs ? ` (skipped: ${needs})` : ""}`,
    ignore: needs !== undefined,
    fn,
  });
}

/**
 * A tutorial program (`tutorial/<script>`) run with the stubs of `proto`
 * (`PATH` or `PATH:PACKAGE`, see `run_tutorial.py`); its output collected as
 * it comes. Disposing it kills it if it still runs and waits for its end.
 */
function tutorial(proto: string, script: string, args: string[], cwd?: string): PythonProgram {
  return new PythonProgram(
    new URL("run_tutorial.py", import.meta.url),
    [proto, here(`tutorial/${script}`), ...args],
    { cwd },
  );
}

/** A tutorial server, once it listens; `target` is where. */
async function tutorialServer(
  proto: string,
  script: string,
  address: string,
  cwd?: string,
): Promise<PythonProgram & { target: string }> {
  const server = tutorial(proto, script, [address], cwd);
  try {
    const [, target] = await server.waitFor(/^listening on (\S+)$/m);
    return Object.assign(server, { target });
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

/** What one of the examples' clients prints. */
async function clientOutput(run: (print: (text: string) => void) => Promise<void>) {
  const out = new Printed();
  await run(out.print);
  return out.output;
}

const local = (started: StartedServer) => `localhost:${started.port}`;

/** The lines between `-------------- TITLE --------------` and the next such line. */
function section(output: string, title: string): string {
  const start = output.indexOf(`-------------- ${title} --------------\n`);
  assert.ok(start >= 0, `no ${title} in:\n${output}`);
  const rest = output.slice(start).split("\n").slice(1).join("\n");
  const end = rest.indexOf("--------------");
  return end < 0 ? rest : rest.slice(0, end);
}

const COMPUTE_PROTO = here("../compute/compute.proto");
const ROUTEGUIDE_PROTO = here("tutorial/routeguide.proto");
const POSITION_PROTO = `${here("../position/position.proto")}:proto`;

test("compute: the tutorial's client and server and ours, each way, say received: 6", async () => {
  await using ours = await startCompute({ port: 0 });
  await using client = tutorial(COMPUTE_PROTO, "compute_client.py", [local(ours)]);
  assert.equal(await client.exit(), 0, client.stderr);
  assert.equal(client.stdout, "received: 6\n");

  await using theirs = await tutorialServer(COMPUTE_PROTO, "compute_server.py", "127.0.0.1:0");
  assert.equal(
    await clientOutput((print) => compute.runClient(theirs.target, print)),
    "received: 6\n",
  );
  // Lengths are counted alike: in characters, not UTF-16 units or bytes.
  const text = "héllo 😀";
  assert.equal(
    await clientOutput((print) => compute.runClient(theirs.target, print, { text })),
    await clientOutput((print) => compute.runClient(local(ours), print, { text })),
  );
});

test("RouteGuide: the client of the tutorial that calls ListFeature runs against our server", async () => {
  await using ours = await startRouteGuide({ port: 0 });
  const expected = await clientOutput((print) => routeguide.runClient(local(ours), print));
  await using client = tutorial(
    ROUTEGUIDE_PROTO,
    "routeguide_grpc_client.py",
    [local(ours)],
    ROUTEGUIDE_DIR,
  );
  assert.equal(await client.exit(), 0, client.stderr);
  assert.equal(section(client.stdout, "GetFeature"), section(expected, "GetFeature"));
  // The same nine features; that tutorial's client prints no "Looking for…" line first.
  const features = section(client.stdout, "ListFeatures");
  assert.equal(features.match(/^Feature called /gm)?.length, 9);
  assert.equal(features, section(expected, "ListFeatures").replace(/^Looking for .*\n/, ""));
  // Twenty features picked at random, each one counted.
  assert.match(
    section(client.stdout, "RecordRoute"),
    /\npoint count: 20 feature count: 20 distance: \d+ elapsed time:\d+\n$/,
  );
  // Its fourth note is at its first's location, so the one note it receives
  // is its first. It prints what it sends from another thread, and Python's
  // print writes a line's text and its newline apart: the other thread's
  // lines may fall between them, so the received line is matched as text.
  assert.deepEqual(
    [...section(client.stdout, "RouteChat").matchAll(/recived message (.*?) location /g)]
      .map(([, message]) => message),
    ["msg 1"],
  );
});

test("RouteGuide: our client lists features on that tutorial's server, which has only ListFeature", async () => {
  const route = [
    { latitude: 406892494, longitude: -740445004 },
    { latitude: 407000000, longitude: -740000000 },
  ];
  await using ours = await startRouteGuide({ port: 0 });
  await using theirs = await tutorialServer(
    ROUTEGUIDE_PROTO,
    "routeguide_grpc_server.py",
    "localhost:0",
    ROUTEGUIDE_DIR,
  );
  const expected = await clientOutput((print) =>
    routeguide.runClient(local(ours), print, { route })
  );
  const output = await clientOutput((print) =>
    routeguide.runClient(theirs.target, print, { route })
  );
  for (const title of ["GetFeature", "ListFeatures", "RouteChat"]) {
    assert.equal(section(output, title), section(expected, title), title);
  }
  assert.equal(section(expected, "ListFeatures").match(/^Feature called /gm)?.length, 9);
  // That tutorial's server counts the features passed from 1.
  assert.match(section(expected, "RecordRoute"), /\nPassed 1 features \n/);
  assert.match(section(output, "RecordRoute"), /\nPassed 2 features \n/);
});

test("position: the tutorial's client, calling PositinService as its repository has it, polls our server", async () => {
  await using ours = await startPosition({ port: 0 });
  await using client = tutorial(POSITION_PROTO, "position_client.py", [local(ours)]);
  const [, x, y, z, ...logged] = await client.waitFor(
    /^PositionRes 0, character position, x:(\S+), y:(\S+), z:(\S+)\n(\S+), (\S+), (\S+)\n/m,
  );
  assert.ok(client.stdout.startsWith(`Open position client channel: ${local(ours)}\n`));
  assert.deepEqual(logged, [x, y, z]);
  assert.ok(Math.abs(Math.hypot(Number(x), Number(y)) - 1) < 1e-6, `(${x}, ${y}) on the circle`);
  assert.equal(z, "0.0");
});

test(
  "position: our client polls the tutorial's server, which serves only PositinService",
  async () => {
    await using theirs = await tutorialServer(POSITION_PROTO, "position_server.py", "localhost:0");
    const out = new Printed();
    await position.runClient(theirs.target, out.print, { polls: 1, everyMs: 0 });
    assert.equal(out.texts.length, 3, out.output);
    const [, x, y] = out.texts[1].match(
      /^PositionRes 0, character position, x:(\S+), y:(\S+), z:0\.0$/,
    )!;
    assert.ok(Math.abs(Math.hypot(Number(x), Number(y)) - 1) < 1e-6, `(${x}, ${y}) on the circle`);
  },
  missing ?? missingModules("numpy"),
);
