import { startProgram } from "../../testing/programs.ts";

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

/** Options of {@linkcode startTask}. */
export interface TaskOptions {
  /** Its input, then its end; without it, the input stays open. */
  stdin?: string;
  /** Its environment, besides the little every program gets (testing/environment.ts). */
  env?: Record<string, string>;
}

/** Starts `deno task <task> <args>` from the repository's root. */
export async function startTask(
  task: string,
  args: string[],
  { stdin, env }: TaskOptions = {},
): Promise<TaskRun> {
  const program = await startProgram(task, args, { env });
  if (stdin !== undefined) {
    await program.write(stdin);
    await program.closeStdin();
  }
  return {
    process: program.process,
    stdout: () => program.stdout.text,
    stderr: () => program.stderr.text,
    async waitForStdout(pattern) {
      await program.stdout.waitFor(pattern, 15_000);
      return program.stdout.text.match(pattern)!;
    },
    exit: program.exit,
    [Symbol.asyncDispose]: () => program[Symbol.asyncDispose](),
  };
}
