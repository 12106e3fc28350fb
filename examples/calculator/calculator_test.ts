import assert from "node:assert/strict";
import { GrpcError, Status } from "../../lib/mod.ts";
import { Printed } from "../_shared/testing.ts";
import { UsageError } from "../_shared/program.ts";
import { operands, runClient } from "./client.ts";
import { startServer } from "./server.ts";

Deno.test("calculator: the tutorial's run prints 100 + 300 = 400 and 100 * 300 = 30000", async () => {
  const serverOut = new Printed();
  await using started = await startServer({ port: 0 }, serverOut.print);
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print);
  assert.deepEqual(out.texts, ["100 + 300 = 400", "100 * 300 = 30000"]);
  assert.deepEqual(serverOut.texts, ["Add function called", "Multiply service called"]);
});

Deno.test("calculator: other operands, negative ones included", async () => {
  await using started = await startServer({ port: 0 }, () => {});
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { n: -7, m: 6 });
  assert.deepEqual(out.texts, ["-7 + 6 = -1", "-7 * 6 = -42"]);
});

Deno.test("calculator: a result outside int32 is refused with OUT_OF_RANGE, not truncated", async () => {
  await using started = await startServer({ port: 0 }, () => {});
  const out = new Printed();
  await assert.rejects(
    runClient(`localhost:${started.port}`, out.print, { n: 100_000, m: 300_000 }),
    (error) =>
      error instanceof GrpcError && error.code === Status.OUT_OF_RANGE &&
      error.details === "100000 * 300000 = 30000000000 does not fit in int32",
  );
  assert.deepEqual(out.texts, ["100000 + 300000 = 400000"]);
});

Deno.test("calculator: operands from the command line are two int32s or none", () => {
  assert.deepEqual(operands([]), {});
  assert.deepEqual(operands(["7", "-6"]), { n: 7, m: -6 });
  assert.throws(() => operands(["7"]), UsageError);
  assert.throws(() => operands(["7", "x"]), { message: '"x" is not an int32' });
  assert.throws(() => operands(["2147483648", "1"]), { message: '"2147483648" is not an int32' });
});
