/**
 * Whether the server may use an SQLite file, checked before it opens it, so
 * that a user learns what to do instead of what Deno refused.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { type Env, runCommand } from "../cli/invocation.ts";

/**
 * Why the server cannot use the SQLite file at `path` (relative to its working
 * folder), in words that say what to do, or `undefined` if it can: a folder
 * that does not exist, or a file its task may not write, for which it gives
 * the one command that runs the server with `args` and write access to it.
 */
export function sqliteAccessProblem(path: string, args: string[], env?: Env): string | undefined {
  const file = resolve(path);
  const folder = dirname(file);
  try {
    if (!Deno.statSync(folder).isDirectory) return `${folder} is not a folder`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `the folder ${folder} does not exist`;
    throw error;
  }
  if (Deno.permissions.querySync({ name: "write", path: file }).state === "granted") {
    return undefined;
  }
  return "the server's task may write only sum.db in its own folder; " +
    `run the server with write access to this file instead:\n  ${
      runCommand("server", args, { allowWrite: file, env })
    }`;
}
