import assert from "node:assert/strict";
import { startProgram, startServerProgram } from "../tests/helpers.ts";
import { interopPath, missingPython, PythonProgram } from "./python.ts";

const missing = await missingPython();

/** Runs a Python program with the stubs of `proto` (a path under interop/), as the tutorial does. */
function withStubs(proto: string, script: string, args: string[]): PythonProgram {
  return new PythonProgram("python/with_stubs.py", [
    interopPath(proto),
    interopPath(script),
    ...args,
  ]);
}

function test(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `tutorial: ${name}${missing ? ` (skipped: ${missing})` : ""}`,
    ignore: missing !== undefined,
    fn,
  });
}

test("the tutorial's client against server.ts prints 1, 3, 6, 10, 15", async () => {
  await using server = await startServerProgram();
  await using client = withStubs("tutorial/sum.proto", "tutorial/client.py", [server.target]);
  assert.equal(await client.exit(), 0, client.stderr);
  assert.equal(
    client.stdout,
    "init run...\nadd 1\n1\nadd 2\n3\nadd 3\n6\nadd 4\n10\nadd 5\n15\n",
  );
});

test("client.ts against the tutorial's server prints the running totals", async () => {
  await using server = withStubs("tutorial/sum.proto", "tutorial/server.py", ["0"]);
  const [, port] = await server.waitFor(/^listening on \S+:(\d+)$/m);
  await using client = await startProgram("client", ["--port", port]);
  await client.write("1 2 3 4 5\n");
  await client.closeStdin();
  assert.equal(await client.exit(), 0, client.stderr.text);
  assert.equal(client.stdout.text, "1\n3\n6\n10\n15\n");
});

test("a grpc.aio client calls all four RPCs of sum.proto on server.ts", async () => {
  await using server = await startServerProgram();
  await using client = withStubs("../sum.proto", "python/sum_aio_client.py", [server.target]);
  assert.equal(await client.exit(), 0, client.stderr);
  assert.equal(
    client.stdout,
    [
      "SumServer 1 2 3 4 5: 1 3 6 10 15",
      "Add 10: 25",
      "AddAll 1 2 3: 31",
      "Watch: 31 32, then cancelled: CANCELLED",
      "Add 2147483647: OUT_OF_RANGE",
      "",
    ].join("\n"),
  );
});
