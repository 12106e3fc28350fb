/**
 * The range of protobuf's `int32`.
 *
 * @module
 */

/** The smallest int32. */
export const INT32_MIN: number = -(2 ** 31);
/** The largest int32. */
export const INT32_MAX: number = 2 ** 31 - 1;
/** The int32 range, as messages print it: `[-2147483648, 2147483647]`. */
export const INT32_RANGE: string = `[${INT32_MIN}, ${INT32_MAX}]`;

/**
 * Whether `value` is an integer that fits in an int32 field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInt32 } from "./int32.ts";
 * assert.equal(isInt32(2 ** 31 - 1), true);
 * assert.equal(isInt32(2 ** 31), false);
 * assert.equal(isInt32(-7n), true);
 * assert.equal(isInt32(1.5), false);
 * ```
 */
export function isInt32(value: bigint | number): boolean {
  return Number.isInteger(Number(value)) && value >= INT32_MIN && value <= INT32_MAX;
}
