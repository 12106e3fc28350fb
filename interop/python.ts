/**
 * Runs the Python side of the interop tests: Debian's `/usr/bin/python3` with
 * grpcio, never the `python3` first on PATH, which may lack grpc.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { pythonEnv } from "../testing/environment.ts";
import { TEST_PROTO } from "./test_service.ts";

/** Debian's Python, where `python3-grpcio` and `python3-grpc-tools` install. */
export const PYTHON = "/usr/bin/python3";

/** The apt packages the interop tests need, for messages that say what to install. */
export const APT_PACKAGES = "python3-grpcio python3-grpc-tools grpc-proto";

/** The absolute path of a file of this directory: `python/test_server.py`, `tutorial/client.py`. */
export function interopPath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/**
 * Why the Python side cannot run here, or `undefined` if it can: it needs
 * {@linkcode PYTHON} with `grpc` and `grpc_tools`, and the interop protos.
 */
export async function missingPython(): Promise<string | undefined> {
  const install = `(apt-get install ${APT_PACKAGES})`;
  try {
    await Deno.stat(TEST_PROTO);
  } catch {
    return `${TEST_PROTO} is missing ${install}`;
  }
  try {
    const { success, stderr } = await new Deno.Command(PYTHON, {
      args: ["-c", "import grpc, grpc_tools.protoc"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (success) return undefined;
    const reason = new TextDecoder().decode(stderr).trim().split("\n").at(-1);
    return `${PYTHON} cannot import grpc and grpc_tools: ${reason} ${install}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `${PYTHON} is missing ${install}`;
    throw error;
  }
}

/**
 * A Python program, its output collected as it comes. Disposing it kills it
 * (SIGTERM) if it still runs and waits for it to exit.
 */
export class PythonProgram implements AsyncDisposable {
  /** Everything it has printed on stdout so far. */
  stdout = "";
  /** Everything it has printed on stderr so far. */
  stderr = "";
  readonly #process: Deno.ChildProcess;
  readonly #output: Promise<void>;
  #changed = Promise.withResolvers<void>();

  /**
   * Runs `script` (a path under `interop/`, or a file URL) with `args`,
   * unbuffered and writing no bytecode, in `cwd` (default: the current folder).
   */
  constructor(script: string | URL, args: string[], { cwd }: { cwd?: string } = {}) {
    const path = script instanceof URL ? script.pathname : interopPath(script);
    this.#process = new Deno.Command(PYTHON, {
      args: ["-B", "-u", path, ...args],
      cwd,
      clearEnv: true,
      env: pythonEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#output = Promise.all([
      this.#collect(this.#process.stdout, (text) => this.stdout += text),
      this.#collect(this.#process.stderr, (text) => this.stderr += text),
    ]).then(() => {});
  }

  async #collect(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      add(text);
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    }
  }

  /**
   * Resolves to the match once stdout matches `pattern`; rejects, with what
   * the program printed on stderr, if it exits first.
   */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    let exited = false;
    const exit = this.#process.status.then(() => exited = true);
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (exited) {
        await this.#output;
        const match = this.stdout.match(pattern);
        if (match) return match;
        throw new Error(`python exited before printing ${pattern}: ${this.stderr.trim()}`);
      }
      await Promise.race([this.#changed.promise, exit]);
    }
  }

  /** Waits for it to exit, its output read to the end; resolves to its exit code. */
  async exit(): Promise<number> {
    const { code } = await this.#process.status;
    await this.#output;
    return code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#process.kill("SIGTERM");
    } catch {
      // already exited
    }
    await this.exit();
  }
}
