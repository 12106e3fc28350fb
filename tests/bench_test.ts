import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions, MEASUREMENT_IDS } from "../bench/options.ts";
import { missingRequirements } from "../bench/requirements.ts";
import { UsageError } from "../cli/flags.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

const hasTools = (await missingRequirements()).length === 0;

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

Deno.test("bench options: --only picks measurements by id and names the ids it knows on a typo", () => {
  assert.deepEqual([...benchOptions(["--only", "fanin, unary"])!.only], ["fanin", "unary"]);
  assert.deepEqual([...benchOptions([])!.only], [...MEASUREMENT_IDS]);
  assert.throws(
    () => benchOptions(["--only", "fanin,fan-in"]),
    new UsageError(
      '--only must be one of pipelined, pingpong, fanin, unary, idle, e2e, not "fan-in"',
    ),
  );
});

Deno.test("bench options: --rounds is a whole number of at least one", () => {
  assert.equal(benchOptions(["--rounds", "9"])!.rounds, 9);
  for (const rounds of ["0", "2.5", "nine", ""]) {
    assert.throws(
      () => benchOptions(["--rounds", rounds]),
      new UsageError(`--rounds must be an integer from 1 to 1000, not "${rounds}"`),
    );
  }
});

Deno.test("deno task bench with a bad flag says so in one line and starts nothing", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bench", "--round", "9"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.equal(
    new TextDecoder().decode(stderr),
    "error: Unknown option '--round'. To specify a positional argument starting with a '-', " +
      "place it at the end of the command after '--', as in '-- \"--round\"\nrun with --help for usage\n",
  );
});

Deno.test("deno task bench without Go or Node names what is missing and the packages to install", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bench", "--quick"],
    cwd: root,
    env: { PATH: dirname(Deno.execPath()) },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 1);
  assert.equal(
    new TextDecoder().decode(stderr),
    "error: deno task bench needs go, node, npm, not found here " +
      "(on Debian: apt-get install golang-go nodejs npm)\n",
  );
});
