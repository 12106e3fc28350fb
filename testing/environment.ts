/**
 * The environment a test gives the programs it starts. The suite's own is
 * never passed on: `npx` sets `npm_command=exec` for `deno test` itself, and a
 * developer's shell may have `NO_COLOR`, proxies, `RUST_BACKTRACE`, a `deno`
 * on PATH or not. A program started by a test sees only what is here and
 * what the test names.
 *
 * @module
 */

/** A system PATH: no `deno`, no pyenv shims, whatever the suite's PATH has. */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The variables every program gets: a system PATH and a UTF-8 locale. No
 * HOME, so no user's configuration is read.
 */
function baseEnv(): Record<string, string> {
  return { PATH: SYSTEM_PATH, LANG: "C.UTF-8" };
}

let denoDir: string | undefined;
/**
 * Where the running Deno keeps its cache (what `deno info` reports, so the
 * suite's own `DENO_DIR`, if it has one): a program run with it finds the
 * npm packages already fetched, and fetches nothing.
 */
function cacheDir(): string {
  if (denoDir !== undefined) return denoDir;
  const { success, stdout, stderr } = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    env: { NO_COLOR: "1" },
  }).outputSync();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`deno info --json failed: ${decoder.decode(stderr)}`);
  denoDir = JSON.parse(decoder.decode(stdout)).denoDir as string;
  return denoDir;
}

/**
 * What a Deno program started by a test runs with: {@linkcode baseEnv}, the
 * suite's Deno cache, and `extra`. Pass it with `clearEnv: true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoEnv } from "./environment.ts";
 * const env = denoEnv({ SUM_STORE: "memory" });
 * assert.equal(env.SUM_STORE, "memory");
 * assert.equal(env.npm_command, undefined);
 * assert.ok(env.DENO_DIR);
 * ```
 */
export function denoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(), DENO_DIR: cacheDir(), DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/**
 * What a Python program started by a test runs with: {@linkcode baseEnv},
 * unbuffered and writing no bytecode into the repository, and `extra`. Pass
 * it with `clearEnv: true`; grpcio reads proxies from the environment too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonEnv } from "./environment.ts";
 * assert.equal(pythonEnv().http_proxy, undefined);
 * assert.equal(pythonEnv().PYTHONDONTWRITEBYTECODE, "1");
 * ```
 */
export function pythonEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(), PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...extra };
}
