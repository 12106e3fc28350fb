/**
 * How the user started a program, so that its help and hints name commands
 * the user can type: `deno task …`, or, for a user who has only npm and
 * started it with npx, `npx -y deno@2.8.3 task …`.
 *
 * @module
 */
import { resolve } from "node:path";
import config from "../deno.json" with { type: "json" };
import { PINNED_DENO } from "./deno_version.ts";

/** Reads an environment variable; undefined where it is unset or not permitted. */
export type Env = (name: string) => string | undefined;

const processEnv: Env = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/**
 * The command that runs `task`, as the user started this program: npm sets
 * `npm_command=exec` for what `npx` runs, and `deno task` passes it on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskCommand } from "./invocation.ts";
 * assert.equal(taskCommand("client", () => undefined), "deno task client");
 * assert.equal(
 *   taskCommand("client", (name) => name === "npm_command" ? "exec" : undefined),
 *   "npx -y deno@2.8.3 task client",
 * );
 * ```
 */
export function taskCommand(task: string, env: Env = processEnv): string {
  return `${denoCommand(env)} task ${task}`;
}

/** `deno`, or for a user who started this program with npx, the npx command that runs it. */
function denoCommand(env: Env): string {
  return env("npm_command") === "exec" ? `npx -y deno@${PINNED_DENO}` : "deno";
}

const root = new URL("../", import.meta.url);

/** `word` as a shell reads it back. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The one `deno run` command that runs `task`'s program with `args` from any
 * folder, as the user started this one (deno or npx), with the task's flags
 * but `--allow-write` given to `allowWrite`: what to run where the task's own
 * permissions are not enough, since `deno task` cannot be given more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCommand } from "./invocation.ts";
 * const command = runCommand("server", ["--store", "sqlite:/srv/sum.db"], {
 *   allowWrite: "/srv/sum.db",
 *   env: () => undefined,
 * });
 * assert.match(command, /^deno run .*--allow-write=\/srv\/sum\.db .*server\.ts --store sqlite:\/srv\/sum\.db$/);
 * ```
 */
export function runCommand(
  task: string,
  args: string[],
  { allowWrite, env = processEnv }: { allowWrite: string; env?: Env },
): string {
  const [, run, ...flags] = (config.tasks as Record<string, string>)[task].split(/\s+/);
  const script = flags.pop()!;
  const words = [
    run,
    ...flags.map((flag) => flag.startsWith("--allow-write") ? `--allow-write=${allowWrite}` : flag),
    `--config=${new URL("deno.json", root).pathname}`,
    new URL(script, root).pathname,
    ...args,
  ];
  return [denoCommand(env), ...words.map(shellWord)].join(" ");
}

/**
 * The folder the user ran the command in. `deno task` runs a program in the
 * folder of deno.json and passes the user's folder as `INIT_CWD` (and so does
 * `npx`); a program run by `deno run` is in the user's folder already.
 */
export function invocationDir(env: Env = processEnv): string {
  return env("INIT_CWD") || Deno.cwd();
}

/**
 * A path named on the command line, as the user meant it: relative to the
 * folder they ran the command in, as every command-line program reads it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPath } from "./invocation.ts";
 * const env = (name: string) => name === "INIT_CWD" ? "/home/ada/certs" : undefined;
 * assert.equal(userPath("server.pem", env), "/home/ada/certs/server.pem");
 * assert.equal(userPath("../ca.pem", env), "/home/ada/ca.pem");
 * assert.equal(userPath("/etc/ca.pem", env), "/etc/ca.pem");
 * ```
 */
export function userPath(path: string, env: Env = processEnv): string {
  return resolve(invocationDir(env), path);
}

/**
 * What `--version` prints: the program, the project's version, and the Deno
 * and grpc-js it runs on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { versionText } from "./invocation.ts";
 * assert.match(versionText("client"), /^sum client \d+\.\d+\.\d+ \(Deno \S+, grpc-js \d+\.\d+\.\d+\)$/);
 * ```
 */
export function versionText(program: string): string {
  const grpcJs = config.imports["@grpc/grpc-js"].replace(/^npm:@grpc\/grpc-js@/, "");
  return `sum ${program} ${config.version} (Deno ${Deno.version.deno}, grpc-js ${grpcJs})`;
}
