import assert from "node:assert/strict";
import {
  addressFlags,
  choiceFlag,
  fileFlag,
  hostPort,
  numberFlag,
  parseFlags,
  parseHost,
  parsePort,
  parseServers,
  UsageError,
} from "./flags.ts";

Deno.test("parseFlags reads a negative number as an argument, and reports mistakes in one line", () => {
  const { values, positionals } = parseFlags(["add", "-5", "--port", "7"], addressFlags());
  assert.deepEqual(positionals, ["add", "-5"]);
  assert.equal(values.port, "7");
  assert.throws(
    () => parseFlags(["--nope"], addressFlags()),
    new UsageError("unknown option --nope"),
  );
  assert.throws(
    () => parseFlags(["--port"], addressFlags()),
    new UsageError("--port needs a value"),
  );
  assert.throws(
    () => parseFlags(["--help=yes"], addressFlags()),
    new UsageError("--help takes no value"),
  );
});

Deno.test("addressFlags default to localhost:50051 unless told otherwise", () => {
  assert.deepEqual({ ...parseFlags([], addressFlags()).values }, {
    host: "localhost",
    port: "50051",
    help: false,
  });
  assert.equal(parseFlags([], addressFlags({ host: "0.0.0.0", port: 1 })).values.host, "0.0.0.0");
});

Deno.test("hosts, ports and servers are checked, with what to write instead", () => {
  assert.equal(parseHost("[::1]"), "::1");
  assert.throws(() => parseHost("http://example.com"), /not a URL/);
  assert.throws(() => parseHost("[::1]:50051"), /write --host ::1 --port 50051/);
  assert.equal(parsePort("0"), 0);
  assert.throws(() => parsePort("65536"), /--port must be an integer from 0 to 65535/);
  assert.deepEqual(parseServers(["a:1, [::1]:2"]), ["a:1", "[::1]:2"]);
  assert.throws(() => parseServers(["a:0"]), /--server must be an integer from 1 to 65535/);
  assert.equal(hostPort("::1", 1), "[::1]:1");
  assert.equal(hostPort("[::1]", 1), "[::1]:1");
});

Deno.test("number, choice and file flags name the flag and the value in their errors", () => {
  assert.equal(numberFlag("--grace", " 2.5 ", { min: 0, max: 60 }), 2.5);
  assert.throws(
    () => numberFlag("--grace", "", { min: 0, max: 60 }),
    new UsageError('--grace must be a number from 0 to 60, not ""'),
  );
  assert.equal(choiceFlag("--log-format", "json", ["text", "json"]), "json");
  assert.throws(
    () => choiceFlag("--log-format", "xml", ["text", "json"]),
    new UsageError('--log-format must be one of text, json, not "xml"'),
  );
  assert.throws(
    () => fileFlag("--ca", "/no/such/file.pem"),
    new UsageError("cannot read --ca /no/such/file.pem: no such file"),
  );
});
