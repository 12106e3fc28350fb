import assert from "node:assert/strict";
import { UsageError } from "../cli/flags.ts";
import { clientConfig } from "./client_config.ts";

Deno.test("the client streams stdin to localhost:50051 by default, retrying for 30 s", () => {
  const config = clientConfig([]);
  assert.deepEqual({ ...config, credentials: undefined }, {
    command: "sum",
    args: [],
    targets: ["localhost:50051"],
    credentials: undefined,
    clientCert: false,
    retry: true,
    retryForMs: 30_000,
    retryFor: "30",
    keepaliveMs: 10_000,
  });
  assert.equal(clientConfig(["--help"]), undefined);
});

Deno.test("the client's command and its arguments are checked", () => {
  assert.deepEqual(clientConfig(["add", "-5"])?.args, ["-5"]);
  assert.equal(clientConfig(["watch", "--no-retry"])?.retry, false);
  assert.throws(() => clientConfig(["frobnicate"]), new UsageError('unknown command "frobnicate"'));
  assert.throws(() => clientConfig(["add"]), new UsageError("add takes one number"));
  assert.throws(() => clientConfig(["total", "1"]), new UsageError("total takes no arguments"));
});

Deno.test("--server replaces --host and --port, in order, one list or many flags", () => {
  assert.deepEqual(
    clientConfig(["--server", "a:1,b:2", "--server", "[::1]:3"])?.targets,
    ["a:1", "b:2", "[::1]:3"],
  );
  assert.deepEqual(clientConfig(["--host", "::1", "--port", "7"])?.targets, ["[::1]:7"]);
  assert.throws(
    () => clientConfig(["--server", "a:1", "--port", "2"]),
    new UsageError("--server replaces --host and --port: give one or the other"),
  );
});

Deno.test("TLS flags make credentials; --cert and --key go together", () => {
  assert.equal(clientConfig([])?.credentials, undefined);
  assert.equal(clientConfig(["--tls"])?.credentials?._isSecure(), true);
  assert.throws(
    () => clientConfig(["--cert", "c.pem"]),
    new UsageError("--cert and --key go together"),
  );
  assert.throws(
    () => clientConfig(["--ca", "/no/such/ca.pem"]),
    new UsageError("cannot read --ca /no/such/ca.pem: no such file"),
  );
});

Deno.test("--retry-for is seconds from 0 to a day, kept as typed for messages", () => {
  const config = clientConfig(["--retry-for", "2.5"]);
  assert.equal(config?.retryForMs, 2_500);
  assert.equal(config?.retryFor, "2.5");
  assert.throws(
    () => clientConfig(["--retry-for", "-1"]),
    /--retry-for must be a number from 0 to 86400/,
  );
});
