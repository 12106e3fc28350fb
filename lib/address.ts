/**
 * `host:port`, with an IPv6 host in brackets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPort } from "./address.ts";
 * assert.equal(hostPort("::1", 50051), "[::1]:50051");
 * assert.equal(hostPort("localhost", 50051), "localhost:50051");
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
