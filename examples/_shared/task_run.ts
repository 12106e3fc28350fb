import { Printed } from "./testing.ts";

const root = new URL("../../", import.meta.url);

/** A program started as its deno task starts it; disposing kills it. */
export interface TaskRun extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Resolves to the match once its stdout matches `pattern`; rejects after 15 s. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves to its exit code, once it has exited and its output is in. */
  exit(): Promise<number>;
}

/** The command line of a deno task, after `deno`. */
async function taskArgs(task: string): Promise<string[]> {
  const { tasks } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const command: unknown = tasks?.[task];
  if (typeof command !== "string") {
    throw new Error(`deno.json has no task "${task}": see examples/README.md for the tasks`);
  }
  const [deno, ...args] = command.split(" ");
  if (deno !== "deno") throw new Error(`task ${task} does not start with deno`);
  return args;
}

/**
 * Starts `deno task <task> <args>` from the repository's root. Its input is
 * `stdin`, then its end; without `stdin`, the input stays open.
 */
export async function startTask(task: string, args: string[], stdin?: string): Promise<TaskRun> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [...await taskArgs(task), ...args],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [out, err] = [new Printed(), new Printed()];
  const collected = Promise.all([
    process.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: out.print }),
    ),
    process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: err.print }),
    ),
  ]);
  const writer = process.stdin.getWriter();
  const closeInput = () => writer.close().catch(() => {});
  if (stdin !== undefined) {
    await writer.write(new TextEncoder().encode(stdin));
    await closeInput();
  }
  const exit = async () => {
    const { code } = await process.status;
    await collected;
    return code;
  };
  return {
    process,
    stdout: () => out.texts.join(""),
    stderr: () => err.texts.join(""),
    async waitForStdout(pattern) {
      await out.waitFor((texts) => pattern.test(texts.join("")), 15_000);
      return out.texts.join("").match(pattern)!;
    },
    exit,
    async [Symbol.asyncDispose]() {
      await closeInput();
      try {
        process.kill("SIGKILL");
      } catch {
        // it has exited already
      }
      await exit();
    },
  };
}
