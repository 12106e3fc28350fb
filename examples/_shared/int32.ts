import { UsageError } from "../../cli/flags.ts";

/** The smallest int32. */
export const INT32_MIN = -(2 ** 31);
/** The largest int32. */
export const INT32_MAX = 2 ** 31 - 1;

/**
 * Whether `value` is an integer that fits in an int32 field.
 *
 * @example
 * ```ts
 * import { isInt32 } from "./int32.ts";
 * isInt32(2 ** 31); // false
 * ```
 */
export function isInt32(value: bigint | number): boolean {
  return Number.isInteger(Number(value)) && value >= INT32_MIN && value <= INT32_MAX;
}

/**
 * A command-line argument that must be an int32.
 *
 * @example
 * ```ts
 * import { int32Arg } from "./int32.ts";
 * int32Arg("-7"); // -7
 * ```
 */
export function int32Arg(text: string): number {
  if (!/^[+-]?\d+$/.test(text) || !isInt32(Number(text))) {
    throw new UsageError(`"${text}" is not an int32`);
  }
  return Number(text);
}
