/**
 * How the user started a program, so that its help and hints name commands
 * the user can type: `deno task …`, or, for a user who has only npm and
 * started it with npx, `npx -y deno@2.8.3 task …`.
 *
 * @module
 */
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
  return env("npm_command") === "exec"
    ? `npx -y deno@${PINNED_DENO} task ${task}`
    : `deno task ${task}`;
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
