import { UsageError } from "../../cli/flags.ts";
import { isInt32 } from "../../lib/mod.ts";

/**
 * A command-line argument that must be an int32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int32Arg } from "./int32.ts";
 * assert.equal(int32Arg("-7"), -7);
 * assert.throws(() => int32Arg("2147483648"), /is not an int32/);
 * ```
 */
export function int32Arg(text: string): number {
  if (!/^[+-]?\d+$/.test(text) || !isInt32(Number(text))) {
    throw new UsageError(`"${text}" is not an int32`);
  }
  return Number(text);
}
