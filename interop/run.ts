/**
 * Runs the interop matrix and prints every case of every direction as
 * `passed` or `failed`, with the reason. Exits 1 if any case failed or the
 * Python side is missing.
 *
 * ```console
 * $ deno task interop
 * ```
 *
 * @module
 */
import { quietGrpcLogs } from "../cli/grpc_logs.ts";
import { directions } from "./matrix.ts";
import { missingPython } from "./python.ts";

async function main(): Promise<number> {
  const missing = await missingPython();
  if (missing) {
    console.error(`error: ${missing}`);
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const direction of directions) {
    console.log(direction.name);
    for (const result of await direction.run()) {
      const outcome = result.passed ? "passed" : `failed: ${result.reason}`;
      console.log(`  ${result.name.padEnd(28)} ${outcome}`);
      if (result.passed) passed++;
      else failed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  quietGrpcLogs();
  Deno.exit(await main());
}
