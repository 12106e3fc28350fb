import assert from "node:assert/strict";
import { GrpcError, Status } from "../lib/mod.ts";
import { bindFailure, describeFailure, endedAtSetup, isUnreachable } from "./failures.ts";

const unavailable = (details: string) => new GrpcError(Status.UNAVAILABLE, details);

Deno.test("a call that reached no server says so, with the reason grpc-js buried in its details", () => {
  const refused = unavailable(
    "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ",
  );
  assert.equal(isUnreachable(refused), true);
  assert.equal(
    describeFailure(refused, "localhost:1"),
    "cannot reach the server at localhost:1: connect ECONNREFUSED 127.0.0.1:1",
  );
  assert.equal(
    describeFailure(unavailable("Name resolution failed for target dns:nowhere:1"), "nowhere:1"),
    "cannot reach the server at nowhere:1: the name nowhere does not resolve",
  );
});

Deno.test("a connection the server reset as it was set up is told apart from one nothing answered", () => {
  const reset = unavailable(
    "No connection established. Last error: read ECONNRESET (2026-12-06T11:11:42.147Z). Resolution note: ",
  );
  assert.equal(endedAtSetup(reset), true);
  assert.equal(
    describeFailure(reset, "localhost:1"),
    "cannot reach the server at localhost:1: it reset the connection as it was set up (read ECONNRESET)",
  );
  const refused = unavailable(
    "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1.",
  );
  assert.equal(endedAtSetup(refused), false);
  // Reset under a call, the connection was set up: the call may have reached the server.
  assert.equal(endedAtSetup(unavailable("read ECONNRESET")), false);
});

Deno.test("any other failure is described by its status and details", () => {
  const rejected = new GrpcError(Status.OUT_OF_RANGE, "outside int32");
  assert.equal(isUnreachable(rejected), false);
  assert.equal(describeFailure(rejected, "localhost:1"), "OUT_OF_RANGE: outside int32");
  assert.equal(isUnreachable(unavailable("Connection dropped")), false);
});

Deno.test("a failed bind is the system's reason alone", () => {
  const error = new Error(
    "No address added out of total 1 resolved errors: [Error: listen EADDRINUSE: address already in use 127.0.0.1:50051]",
  );
  assert.equal(bindFailure(error), "address already in use");
  assert.equal(bindFailure("something else"), "something else");
});

Deno.test("a connection lost under a call is said in the user's words, whatever grpc-js's side saw", () => {
  const cases: Array<[GrpcError, string]> = [
    [unavailable("read ECONNRESET"), "ECONNRESET"],
    [
      new GrpcError(
        Status.INTERNAL,
        "Received RST_STREAM with code 2 triggered by internal client error: write EPIPE",
      ),
      "EPIPE",
    ],
    [unavailable("Connection dropped"), "Connection dropped"],
  ];
  for (const [error, reason] of cases) {
    assert.equal(
      describeFailure(error, "localhost:1"),
      `the connection to the server at localhost:1 was lost (${reason})`,
    );
  }
});
