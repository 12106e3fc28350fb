/** The smallest int32. */
export const INT32_MIN = -2147483648;
/** The largest int32. */
export const INT32_MAX = 2147483647;
/** The int32 range, as messages print it. */
export const INT32_RANGE = `[${INT32_MIN}, ${INT32_MAX}]`;

/**
 * Whether `n` is an integer within int32.
 *
 * @example
 * ```ts
 * import { isInt32 } from "./int32.ts";
 * isInt32(2147483648); // false
 * ```
 */
export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}
