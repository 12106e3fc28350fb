/**
 * What `promise` resolves to, or `otherwise` if `ms` milliseconds pass first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./timing.ts";
 * assert.equal(await within(1_000, Promise.resolve("done"), "late"), "done");
 * assert.equal(await within(1, new Promise(() => {}), "late"), "late");
 * ```
 */
export async function within<T, U>(ms: number, promise: Promise<T>, otherwise: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<U>((resolve) => timer = setTimeout(() => resolve(otherwise), ms));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
