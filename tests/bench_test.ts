import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The bench builds a Go load generator with grpc-go and installs grpc-js for Node from npm. */
const hasTools = new Deno.Command("sh", {
  args: [
    "-c",
    "command -v go && command -v npm && test -d /usr/share/gocode/src/google.golang.org/grpc",
  ],
  stdout: "null",
  stderr: "null",
}).outputSync().success;

Deno.test({
  name: "deno task bench drives every server through streaming and unary calls and reports each",
  ignore: !hasTools,
}, async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "bench",
        "--quick",
        "--rounds",
        "1",
        "--only",
        "pipelined,unary",
        "--json",
        json,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const report = JSON.parse(await Deno.readTextFile(json));
    // The load generator fails a run whose last reply is not the sum of what it sent.
    assert.deepEqual(report.failures, {});
    assert.ok(report.contenders.includes("server.ts"));
    for (const server of report.contenders) {
      assert.ok(report.results.pipelined[server]?.msgs_per_s[0] > 0, `${server}: pipelined`);
      assert.ok(report.results.unary[server]?.calls_per_s[0] > 0, `${server}: unary`);
    }
    const table = new TextDecoder().decode(stdout);
    assert.match(table, /a\. pipelined, one stream: msgs\/s +[\d,]+/);
    assert.match(table, /d\. unary Add, 64 in flight: calls\/s +[\d,]+/);
  } finally {
    await Deno.remove(json);
  }
});
