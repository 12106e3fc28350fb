import assert from "node:assert/strict";
import { errorFromStatus, GrpcError } from "./error.ts";
import { Status } from "./status.ts";

Deno.test("GrpcError names its status in its message", () => {
  const error = new GrpcError(Status.NOT_FOUND, "no such user: 7");
  assert.equal(error.message, "NOT_FOUND: no such user: 7");
  assert.equal(error.code, 5);
});

Deno.test("a status code gRPC does not define becomes UNKNOWN, keeping the number", () => {
  const error = errorFromStatus({ code: 99, details: "odd peer" });
  assert.equal(error.code, Status.UNKNOWN);
  assert.equal(error.details, "status code 99: odd peer");
});
