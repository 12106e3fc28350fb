/**
 * The Deno versions this project is known not to work on, and the warning a
 * program prints once at start on one of them.
 *
 * @module
 */

/** The Deno version the project is pinned to and tested on. */
export const PINNED_DENO = "2.8.3";

/** Known-bad Deno versions (by `major.minor`), with what goes wrong on each. */
const KNOWN_BAD: ReadonlyArray<[line: string, fault: string]> = [
  ["2.9", "it aborts the whole process when an HTTP/2 GOAWAY arrives (denoland/deno issue 36788)"],
  ["2.7", "it breaks gRPC keepalive"],
  ["2.6", "its node:http2 lacks getDefaultSettings, which grpc-js needs"],
  ["2.5", "its node:http2 lacks getDefaultSettings, which grpc-js needs"],
];

/**
 * The one-line warning for running on Deno `version`, or undefined when it is
 * not known to be bad.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoVersionWarning } from "./deno_version.ts";
 * assert.equal(denoVersionWarning("2.8.3"), undefined);
 * assert.match(denoVersionWarning("2.9.6")!, /^warning: Deno 2\.9\.6 is known not to work here: it aborts/);
 * ```
 */
export function denoVersionWarning(version: string): string | undefined {
  const bad = KNOWN_BAD.find(([line]) => version.startsWith(`${line}.`));
  if (!bad) return undefined;
  return `warning: Deno ${version} is known not to work here: ${bad[1]}; ` +
    `use Deno ${PINNED_DENO} (npx -y deno@${PINNED_DENO} task …)`;
}
