/**
 * One error class for a call's failure, on both sides of the call.
 *
 * @module
 */
import { Metadata } from "./metadata.ts";
import { Status, statusName } from "./status.ts";

/** Options of a {@linkcode GrpcError}. */
export interface GrpcErrorOptions {
  /** Trailing metadata sent (server side) or received (client side) with the status. */
  metadata?: Metadata;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * A call's failure: a gRPC status code and its details. Servers throw it to
 * end a call with that status; clients receive it when a call fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError } from "./error.ts";
 * import { Status } from "./status.ts";
 * const error = new GrpcError(Status.NOT_FOUND, "no such user: 7");
 * assert.equal(error.message, "NOT_FOUND: no such user: 7");
 * ```
 */
export class GrpcError extends Error {
  /** The status code. */
  readonly code: Status;
  /** The status message, as sent on the wire. */
  readonly details: string;
  /** Trailing metadata. */
  readonly metadata: Metadata;

  /** A failure with status `code` and the status message `details`. */
  constructor(code: Status, details: string, options: GrpcErrorOptions = {}) {
    super(`${statusName(code)}: ${details}`, { cause: options.cause });
    this.name = "GrpcError";
    this.code = code;
    this.details = details;
    this.metadata = options.metadata ?? new Metadata();
  }
}

/** The shape of the status objects and errors grpc-js produces. */
export interface StatusLike {
  code: number;
  details: string;
  metadata?: Metadata | null;
}

/**
 * Turns a grpc-js status or service error into a {@linkcode GrpcError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorFromStatus } from "./error.ts";
 * const error = errorFromStatus({ code: 14, details: "Connection dropped" });
 * assert.equal(error.message, "UNAVAILABLE: Connection dropped");
 * ```
 */
export function errorFromStatus(status: StatusLike): GrpcError {
  const known = Number.isInteger(status.code) && status.code >= 0 && status.code <= 16;
  return new GrpcError(
    known ? status.code as Status : Status.UNKNOWN,
    known ? status.details : `status code ${status.code}: ${status.details}`,
    { metadata: status.metadata ?? undefined },
  );
}

/**
 * Whether `value` is a {@linkcode GrpcError}, with the given code if one is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError, isGrpcError } from "./error.ts";
 * import { Status } from "./status.ts";
 * const error = new GrpcError(Status.NOT_FOUND, "no such user");
 * assert.equal(isGrpcError(error, Status.NOT_FOUND), true);
 * assert.equal(isGrpcError(error, Status.INTERNAL), false);
 * ```
 */
export function isGrpcError(value: unknown, code?: Status): value is GrpcError {
  return value instanceof GrpcError && (code === undefined || value.code === code);
}
