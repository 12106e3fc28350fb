/**
 * The project's programs started for real, as their deno tasks start them,
 * for the tests, the examples' tests and the bench (testing/ is what they
 * share; it imports none of them).
 *
 * @module
 */
import { denoEnv } from "./environment.ts";

const root = new URL("../", import.meta.url);

/**
 * What `deno task <task>` passes to deno, read from deno.json, so that a
 * program is run with the flags its users run it with. Run it from the root.
 *
 * @example
 * ```ts ignore
 * const args = await taskArgs("client"); // ["run", "--v8-flags=…", …, "client.ts"]
 * ```
 */
export async function taskArgs(task: string): Promise<string[]> {
  const { tasks } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const command: unknown = tasks?.[task];
  if (typeof command !== "string") throw new Error(`deno.json has no task "${task}"`);
  const [deno, ...args] = command.split(/\s+/);
  if (deno !== "deno") throw new Error(`task ${task} does not start with deno: ${command}`);
  return args;
}

/** A byte sink that keeps what is written, as text. */
export class TextSink {
  text = "";
  /** Newlines written so far. */
  newlines = 0;
  readonly #decoder = new TextDecoder();
  #changed = Promise.withResolvers<void>();
  readonly stream = new WritableStream<Uint8Array>({
    write: (chunk) => {
      for (const byte of chunk) if (byte === 10) this.newlines++;
      this.text += this.#decoder.decode(chunk, { stream: true });
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    },
  });

  get lines(): string[] {
    return this.text.split("\n").filter((line) => line !== "");
  }

  /** Resolves once `count` lines have been written; cheap however long the text. */
  async waitForLines(count: number): Promise<void> {
    while (this.newlines < count) await this.#changed.promise;
  }

  /**
   * Resolves once the text matches `pattern`; with `timeoutMs`, rejects,
   * showing the text, if it does not match by then.
   */
  async waitFor(pattern: RegExp, timeoutMs?: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      if (timeoutMs === undefined) return;
      timer = setTimeout(
        () => reject(new Error(`no ${pattern} within ${timeoutMs} ms in: ${this.text}`)),
        timeoutMs,
      );
    });
    try {
      while (!pattern.test(this.text)) await Promise.race([this.#changed.promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A program started as a subprocess the way its deno task starts it. */
export interface Program extends AsyncDisposable {
  process: Deno.ChildProcess;
  stdout: TextSink;
  stderr: TextSink;
  /** Writes to its stdin. */
  write(text: string): Promise<void>;
  /** Closes its stdin. */
  closeStdin(): Promise<void>;
  /** Waits for it to exit; resolves to its exit code. */
  exit(): Promise<number>;
}

/** Options of {@linkcode startProgram}. */
export interface StartOptions {
  /**
   * The working directory, as for a user who runs the program from elsewhere
   * (the task's relative paths, such as the server's `sum.db`, are then in
   * it). Default: the root.
   */
  cwd?: string;
  /**
   * Its environment besides the few every program gets ({@linkcode denoEnv}):
   * nothing of the suite's own is passed on.
   */
  env?: Record<string, string>;
  /** Its limit on open files (`prlimit --nofile`); default the suite's own. */
  openFileLimit?: number;
}

/**
 * What deno is given to run a task's program from `cwd`: the task's own
 * flags, the root's config, and the script by its full path.
 */
async function argsFrom(task: string, cwd: string | undefined): Promise<string[]> {
  const [run, ...args] = await taskArgs(task);
  // Deno's own progress ("Download https://registry.npmjs.org/…", on a cache
  // that lacks an npm package's metadata) is not the program's output.
  const own = [run, "--quiet"];
  if (cwd === undefined) return [...own, ...args];
  const script = new URL(args.pop()!, root).pathname;
  return [...own, "--config", new URL("deno.json", root).pathname, ...args, script];
}

/** Starts `deno task <task> <args>` as a subprocess with piped stdio. */
export async function startProgram(
  task: string,
  args: string[],
  options: StartOptions = {},
): Promise<Program> {
  const deno = [Deno.execPath(), ...await argsFrom(task, options.cwd), ...args];
  const limit = options.openFileLimit;
  // prlimit executes the program in its own place: the process is the program.
  const [command, ...commandArgs] = limit === undefined
    ? deno
    : ["prlimit", `--nofile=${limit}:${limit}`, ...deno];
  const process = new Deno.Command(command, {
    args: commandArgs,
    cwd: options.cwd ?? root,
    clearEnv: true,
    env: denoEnv(options.env),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new TextSink();
  const stderr = new TextSink();
  const piped = Promise.all([
    process.stdout.pipeTo(stdout.stream),
    process.stderr.pipeTo(stderr.stream),
  ]);
  const stdin = process.stdin.getWriter();
  let stdinOpen = true;
  const closeStdin = async () => {
    if (!stdinOpen) return;
    stdinOpen = false;
    await stdin.close().catch(() => {});
  };
  const exit = async () => {
    const { code } = await process.status;
    await piped;
    return code;
  };
  return {
    process,
    stdout,
    stderr,
    write: (text) => stdin.write(new TextEncoder().encode(text)),
    closeStdin,
    exit,
    async [Symbol.asyncDispose]() {
      await closeStdin();
      try {
        process.kill("SIGKILL");
      } catch {
        // already exited
      }
      await exit();
    },
  };
}

/** A port nothing listens on: bound by the OS, then released. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
