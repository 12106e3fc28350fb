import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { benchOptions, MEASUREMENT_IDS } from "../bench/options.ts";
import { describeMissing, missingRequirements, REQUIREMENTS } from "../bench/requirements.ts";
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
    for (const store of ["", " sqlite", " Redis"]) {
      assert.ok(report.contenders.includes(`server.ts${store}`), store);
      assert.ok(report.contenders.includes(`server.ts${store} exactly-once`), store);
    }
    assert.ok(report.contenders.includes("server.ts 2×Redis"));
    assert.ok(report.contenders.includes("server.ts sqlite workers"));
    assert.ok(report.contenders.includes("server.ts Redis workers"));
    assert.ok(report.contenders.includes("grpc-go"));
    for (const server of report.contenders) {
      // Measured under replacement only.
      if (server.endsWith(", replaced")) continue;
      assert.ok(report.results.pipelined[server]?.msgs_per_s[0] > 0, `${server}: pipelined`);
      // Exactly-once is measured on streams only.
      if (server.endsWith("exactly-once")) continue;
      assert.ok(report.results.unary[server]?.calls_per_s[0] > 0, `${server}: unary`);
    }
    const table = new TextDecoder().decode(stdout);
    assert.match(table, /a\. pipelined, one stream: msgs\/s +[\d,]+/);
    assert.match(table, /d\. unary Add, 64 in flight \/ 4 conns: calls\/s +[\d,]+/);
    assert.match(table, /sqlite \/ memory +Redis \/ memory +2×Redis \/ memory/);
    assert.match(table, /memory: exactly-once \/ not +sqlite: exactly-once \/ not/);
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
      '--only must be one of pipelined, pingpong, fanin, unary, idle, churn, replacement, e2e, not "fan-in"',
    ),
  );
});

Deno.test("bench options: --rounds is a whole number from 1 to 1000", () => {
  assert.equal(benchOptions(["--rounds", "9"])!.rounds, 9);
  for (const rounds of ["0", "2.5", "nine", "", "1001"]) {
    assert.throws(
      () => benchOptions(["--rounds", rounds]),
      new UsageError(`--rounds must be an integer from 1 to 1000, not "${rounds}"`),
    );
  }
});

Deno.test("bench options: --json is refused before measuring when its folder does not exist", async () => {
  const folder = await Deno.makeTempDir();
  try {
    assert.equal(benchOptions(["--json", `${folder}/report.json`])!.json, `${folder}/report.json`);
    assert.throws(
      () => benchOptions(["--json", `${folder}/gone/report.json`]),
      new UsageError(`--json ${folder}/gone/report.json: no folder ${folder}/gone to write it in`),
    );
    assert.throws(() => benchOptions(["--json", ""]), new UsageError("--json needs a file name"));
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("bench options: --help asks for the usage; a stray argument is refused", () => {
  assert.equal(benchOptions(["--help"]), undefined);
  assert.throws(() => benchOptions(["fanin"]), new UsageError('unexpected argument "fanin"'));
});

/** Runs `deno task bench ARGS` with `env`; its exit code and output. */
async function bench(args: string[], env?: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bench", ...args],
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test("deno task bench with a bad flag says so in one line and starts nothing", async () => {
  assert.deepEqual(await bench(["--round", "9"]), {
    code: 2,
    stdout: "",
    stderr: "error: unknown option --round\nrun with --help for usage\n",
  });
});

Deno.test("describeMissing names what is missing and the Debian packages to install", () => {
  const named = (...names: string[]) => REQUIREMENTS.filter(({ name }) => names.includes(name));
  assert.equal(
    describeMissing(named("go", "grpc-go", "Python grpcio")),
    "deno task bench needs go, grpc-go, Python grpcio, not found here " +
      "(on Debian: apt-get install golang-go golang-google-grpc-dev python3-grpcio)",
  );
});

Deno.test("deno task bench where Go, Node, npm and redis-server are not on PATH says which are missing and stops", async () => {
  const bin = await Deno.makeTempDir();
  try {
    await Deno.symlink(Deno.execPath(), `${bin}/deno`);
    // Python and grpc-go are looked for at fixed paths, not on PATH.
    const missingHere = await missingRequirements();
    const expected = REQUIREMENTS.filter(({ name }) =>
      ["go", "node", "npm", "redis-server"].includes(name) ||
      missingHere.some((r) => r.name === name)
    );
    assert.deepEqual(await bench(["--quick"], { PATH: bin }), {
      code: 1,
      stdout: "",
      stderr: `error: ${describeMissing(expected)}\n`,
    });
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
