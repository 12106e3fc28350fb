/**
 * The commands README.md and docs/ show, run as written (with free ports and a
 * test Redis standing in for the ones shown), so that none can drift from
 * what the programs do. The set-up commands (`npx -y deno@2.8.3 task …`) are
 * what CI runs; the crash scenarios of README.md and docs/exactly_once.md are
 * tests/exactly_once_test.ts.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "../testing/redis.ts";
import { denoEnv, SYSTEM_PATH } from "../testing/environment.ts";
import { closedPort, startProgram, startServerProgram } from "./helpers.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => Deno.readTextFile(new URL(`../${path}`, import.meta.url));

/** The fenced blocks of `lang` in `markdown`, in order. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) =>
    m[1]
  );
}

interface Step {
  command: string;
  output: string[];
}

/** A console block as commands (`$ …`) and the lines each prints. */
function transcript(block: string): Step[] {
  const steps: Step[] = [];
  for (const line of block.trimEnd().split("\n")) {
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2), output: [] });
    else steps.at(-1)?.output.push(line);
  }
  return steps;
}

/** Whether `expected` is `stdout` and `stderr` interleaved, each in its own order. */
function interleaves(expected: string[], stdout: string[], stderr: string[]): boolean {
  let [o, e] = [0, 0];
  for (const line of expected) {
    if (line === stdout[o]) o++;
    else if (line === stderr[e]) e++;
    else return false;
  }
  return o === stdout.length && e === stderr.length;
}

/** Runs `command` with sh from the root, with this deno first on PATH. */
async function sh(command: string, cwd = root) {
  const { code, stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", command],
    cwd,
    clearEnv: true,
    env: denoEnv({ PATH: `${dirname(Deno.execPath())}:${SYSTEM_PATH}`, NO_COLOR: "1" }),
  }).output();
  const lines = (bytes: Uint8Array) =>
    new TextDecoder().decode(bytes).split("\n").filter((line) => line !== "");
  // `deno task` names the command it runs on stderr first, and deno says what it
  // downloads on a cache that lacks an npm package's metadata.
  const told = (line: string) => /^(Task \S+ |Download https:\/\/)/.test(line);
  return { code, stdout: lines(stdout), stderr: lines(stderr).filter((line) => !told(line)) };
}

Deno.test("README: the client's examples print what the README says, in order, on a new server", async () => {
  const readme = await read("README.md");
  const client = readme.slice(readme.indexOf("## The client"));
  const [commands, failure] = blocks(client, "console");
  await using server = await startServerProgram(["--store", "memory"]);
  const port = server.target.split(":")[1];
  for (const { command, output } of [...transcript(commands), ...transcript(failure)]) {
    if (command.includes(" watch")) continue; // it runs until Ctrl-C
    const run = await sh(command.replaceAll("deno task client", `deno task client --port ${port}`));
    assert.ok(
      interleaves(output, run.stdout, run.stderr),
      `${command}\nexpected:\n${output.join("\n")}\ngot:\n${
        [...run.stdout, ...run.stderr].join("\n")
      }`,
    );
  }
});

Deno.test("docs/tls.md: its openssl lines make a CA and certificates that the TLS commands shown work with", async () => {
  const doc = await read("docs/tls.md");
  const [recipe] = blocks(doc, "sh");
  const dir = await Deno.makeTempDir({ prefix: "sum-tls-recipe-" });
  try {
    const made = await sh(`set -e\n${recipe}`, dir);
    assert.equal(made.code, 0, made.stderr.join("\n"));
    const [cd, ...commands] = transcript(blocks(doc, "console")[0]).map(({ command }) =>
      command.split(/\s+#/)[0]
    );
    assert.equal(cd, "cd certs");
    // Run as deno task runs them from certs/: in the project's folder, told the user's.
    const fromCerts = { env: { INIT_CWD: `${dir}/certs` } };
    const args = (command: string) => command.split(" ").slice(3);
    for (const [serve, call] of [[commands[0], commands[1]], [commands[2], commands[3]]]) {
      await using server = await startServerProgram(
        ["--store", "memory", ...args(serve)],
        fromCerts,
      );
      const port = server.target.split(":")[1];
      await using client = await startProgram("client", ["--port", port, ...args(call)], fromCerts);
      assert.equal(await client.exit(), 0, `${call}: ${client.stderr.text}`);
      assert.equal(client.stdout.text, "1\n");
    }
    // Made in the project, as the page says, they are never committed.
    const ignored = await sh("git check-ignore certs/ca.key certs/server.key certs/client.key");
    assert.equal(ignored.code, 0, "certs/ is not ignored by git");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Each `--port N` and `:N` of `ports` in `text` replaced by its stand-in. */
function withPorts(text: string, ports: Map<string, string>): string {
  let replaced = text;
  for (const [shown, free] of ports) {
    replaced = replaced.replaceAll(`--port ${shown}`, `--port ${free}`).replaceAll(
      `:${shown}`,
      `:${free}`,
    );
  }
  return replaced;
}

/**
 * Runs a console block of servers and clients: each `deno task server …` is
 * started as a program (on a free port standing in for the one shown, on a
 * real Redis standing in for the one shown), each other command with sh;
 * each prints what the block shows.
 */
async function runWithServers(block: string): Promise<void> {
  await using redis = await startRedis();
  const steps = transcript(block).map(({ command, output }) => ({
    command: command.split(/\s+#/)[0].replaceAll("redis://localhost:6379", redis.url),
    output,
  }));
  const ports = new Map<string, string>();
  for (const { command } of steps) {
    for (const match of command.matchAll(/--port (\d+)|localhost:(\d+)/g)) {
      const port = match[1] ?? match[2];
      if (!ports.has(port)) ports.set(port, String(closedPort()));
    }
  }
  // One folder for all, as a user runs them: servers on sqlite:sum.db share it.
  const cwd = await Deno.makeTempDir({ prefix: "sum-block-" });
  const servers: AsyncDisposable[] = [];
  try {
    for (const { command, output } of steps) {
      const line = withPorts(command, ports);
      if (line.startsWith("deno task server ")) {
        const args = line.slice("deno task server ".length).split(/\s+/);
        servers.push(await startServerProgram(args, { cwd }));
        continue;
      }
      const run = await sh(line);
      assert.equal(run.code, 0, `${line}: ${run.stderr.join("\n")}`);
      assert.ok(interleaves(output, run.stdout, run.stderr), `${line}: ${run.stdout.join("\n")}`);
    }
  } finally {
    for (const server of servers) await server[Symbol.asyncDispose]();
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test("README and docs/stores.md: the servers they show on one Redis, and on one SQLite file, share one total", async () => {
  const readme = await read("README.md");
  await runWithServers(blocks(readme.slice(readme.indexOf("### Stores")), "console")[0]);
  const stores = await read("docs/stores.md");
  const shared = blocks(stores, "console").filter((block) =>
    /\$ deno task server .*\n\$ deno task server /.test(block)
  );
  assert.equal(shared.length, 2, "one block for SQLite, one for Redis");
  for (const block of shared) await runWithServers(block);
});

Deno.test("README and docs/server.md: deno task server prints the listening line, then logs as shown", async () => {
  for (const path of ["README.md", "docs/server.md"]) {
    const doc = await read(path);
    const at = doc.lastIndexOf("```console", doc.indexOf("$ deno task server --port 0"));
    const shown = blocks(doc.slice(at), "console")[0];
    const [{ command, output }] = transcript(shown);
    assert.match(command, /^deno task server --port 0( --workers 1)?$/);
    await using server = await startServerProgram(command.split(" ").slice(3), {
      defaultWorkers: true,
    });
    assert.ok(output.some((line) => /^listening on localhost:\d+$/.test(line)));
    assert.match(server.stdout.text, /^listening on localhost:\d+\n$/);
    // The serving line, with what varies (time, port) as any digits, and a
    // worker's number but on a machine of one core.
    const serving = output.find((line) => / info serving address=/.test(line))!;
    const pattern = serving.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\d+/g, "\\d+")
      .replace(/ worker=\\d\+$/, "( worker=\\d+)?");
    await server.stderr.waitFor(new RegExp(pattern), 10_000);
  }
});

Deno.test("docs/stores.md: the command for a file elsewhere runs the server on that file", async () => {
  const doc = await read("docs/stores.md");
  const elsewhere = blocks(doc, "console").find((block) => block.includes("/var/lib/sum"))!;
  // The command for a file elsewhere, with a temporary folder for /var/lib/sum.
  const dir = await Deno.makeTempDir({ prefix: "sum-elsewhere-" });
  try {
    const [{ command: own }] = transcript(elsewhere.replace(/\\\n\s*/g, ""));
    const args = own.replaceAll("/var/lib/sum", dir).split(/\s+/).slice(1);
    const server = new Deno.Command(Deno.execPath(), {
      args: [...args, "--port", "0"],
      cwd: root,
      clearEnv: true,
      env: denoEnv(),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    assert.match(value ?? "", /^listening on /);
    server.kill("SIGTERM");
    reader.releaseLock();
    await server.stdout.cancel().catch(() => {});
    await server.stderr.cancel();
    assert.equal((await server.status).code, 0);
    assert.ok((await Deno.stat(`${dir}/sum.db`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("markdown: no code span is split across lines, where it would not read as one command", async () => {
  const pages = ["README.md", "docs/", "examples/", "interop/"];
  const files: string[] = [];
  for (const page of pages) {
    if (page.endsWith(".md")) files.push(page);
    else {
      for await (const entry of Deno.readDir(new URL(`../${page}`, import.meta.url))) {
        if (entry.isFile && entry.name.endsWith(".md")) files.push(`${page}${entry.name}`);
      }
    }
  }
  for (const file of files) {
    const prose = (await read(file)).replace(/```[\s\S]*?```/g, "");
    prose.split("\n").forEach((line, index) => {
      const ticks = line.replace(/``[^`]*``/g, "").match(/`/g)?.length ?? 0;
      assert.equal(ticks % 2, 0, `${file}: a code span runs past the line: ${line} (${index})`);
    });
  }
});

Deno.test("deno task doc: lib's documentation with no warning, and every export documented", async () => {
  const doc = await sh("deno task -q doc");
  assert.deepEqual({ code: doc.code, stderr: doc.stderr }, { code: 0, stderr: [] });
  assert.match(doc.stdout[0], /^gRPC for Deno as promises and async iterables/);
  const lint = await sh("deno task -q doc --lint");
  assert.deepEqual(lint, { code: 0, stdout: [], stderr: ["Checked 1 file"] });
});
