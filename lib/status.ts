/**
 * The gRPC status codes, by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status, statusName } from "./status.ts";
 * assert.equal(Status.OUT_OF_RANGE, 11);
 * assert.equal(statusName(Status.OUT_OF_RANGE), "OUT_OF_RANGE");
 * ```
 */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code: one of the values of {@linkcode Status}. */
export type Status = typeof Status[keyof typeof Status];

const names = new Map<number, string>(
  Object.entries(Status).map(([name, code]) => [code, name]),
);

/**
 * The name of a status code, or `CODE_<n>` for a code gRPC does not define.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusName } from "./status.ts";
 * assert.equal(statusName(14), "UNAVAILABLE");
 * assert.equal(statusName(99), "CODE_99");
 * ```
 */
export function statusName(code: number): string {
  return names.get(code) ?? `CODE_${code}`;
}
