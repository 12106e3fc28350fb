/**
 * The commands README.md and docs/ show, run as written, so that none can
 * drift from what the programs do. (The set-up commands are what CI runs;
 * the crash scenarios of docs/exactly_once.md are tests/exactly_once_test.ts.)
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startProgram, startServerProgram } from "./helpers.ts";

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
  const path = `${dirname(Deno.execPath())}:${Deno.env.get("PATH")}`;
  const { code, stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", command],
    cwd,
    env: { PATH: path, NO_COLOR: "1" },
  }).output();
  const lines = (bytes: Uint8Array) =>
    new TextDecoder().decode(bytes).split("\n").filter((line) => line !== "");
  // `deno task` names the command it runs on stderr first.
  const told = (line: string) => /^Task \S+ /.test(line);
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
    const at = (file: string) => `${dir}/${file}`;
    const commands = transcript(blocks(doc, "console")[0]).map(({ command }) =>
      command.split(/\s+#/)[0]
    );
    const files = (command: string) =>
      command.split(" ").slice(3).map((word) => /\.(pem|key)$/.test(word) ? at(word) : word);
    for (const [serve, call] of [[commands[0], commands[1]], [commands[2], commands[3]]]) {
      await using server = await startServerProgram(["--store", "memory", ...files(serve)]);
      const port = server.target.split(":")[1];
      await using client = await startProgram("client", ["--port", port, ...files(call)]);
      assert.equal(await client.exit(), 0, `${call}: ${client.stderr.text}`);
      assert.equal(client.stdout.text, "1\n");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
