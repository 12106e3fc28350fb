import { type Client, createChannel, createClient, type GrpcServer } from "../lib/mod.ts";
import { runClient } from "../client.ts";
import { type SumMethods, SumService } from "../sum/api.ts";
import { serveSum, type ServeSumOptions } from "../sum/serve.ts";
import type { RunningTotal } from "../sum/total.ts";

const root = new URL("../", import.meta.url);

/** An in-process sum server on a free port; disposing shuts it down. */
export interface TestSumServer extends AsyncDisposable {
  server: GrpcServer;
  total: RunningTotal;
  target: string;
}

/** Starts a sum server in-process on a free port. */
export async function startSumServer(options: ServeSumOptions = {}): Promise<TestSumServer> {
  const { server, total, port } = await serveSum({ ...options, port: 0 });
  return {
    server,
    total,
    target: `localhost:${port}`,
    [Symbol.asyncDispose]: () => server.shutdown({ graceMs: 0 }).then(() => {}),
  };
}

/** A client of its own channel; disposing closes the channel. */
export function sumClient(target: string): Client<SumMethods> & Disposable {
  const channel = createChannel(target);
  return Object.assign(createClient(SumService, channel), {
    [Symbol.dispose]: () => channel.close(),
  });
}

/** A byte stream of `text`, or of the chunks given, then its end. */
export function textStream(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((chunk) => encoder.encode(chunk)));
}

/** A byte sink that keeps what is written, as text. */
export class TextSink {
  text = "";
  #changed = Promise.withResolvers<void>();
  readonly stream = new WritableStream<Uint8Array>({
    write: (chunk) => {
      this.text += new TextDecoder().decode(chunk);
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    },
  });

  get lines(): string[] {
    return this.text.split("\n").filter((line) => line !== "");
  }

  /** Resolves once the text matches `pattern`. */
  async waitFor(pattern: RegExp): Promise<void> {
    while (!pattern.test(this.text)) await this.#changed.promise;
  }
}

/** What one in-process run of the client produced. */
export interface ClientRun {
  status: number;
  stdout: string[];
  stderr: string[];
}

/** Runs `client.ts` in-process against `target` with `stdin`. */
export async function runClientOn(
  target: string,
  args: string[],
  options: { stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal; stdout?: TextSink } = {},
): Promise<ClientRun> {
  const [host, port] = target.split(":");
  const stdout = options.stdout ?? new TextSink();
  const stderr = new TextSink();
  const status = await runClient(["--host", host, "--port", port, ...args], {
    stdin: options.stdin ?? textStream(),
    stdout: stdout.stream,
    stderr: stderr.stream,
    signal: options.signal ?? new AbortController().signal,
  });
  return { status, stdout: stdout.lines, stderr: stderr.lines };
}

/** The command line of a deno task, as the task runs it. */
async function taskCommand(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const [deno, ...args] = (config.tasks[task] as string).split(" ");
  if (deno !== "deno") throw new Error(`task ${task} does not start with deno`);
  return args;
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

/** Starts `deno task <task> <args>` (server or client) as a subprocess with piped stdio. */
export async function startProgram(task: string, args: string[]): Promise<Program> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [...await taskCommand(task), ...args],
    cwd: root,
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

/** Starts `server.ts` on a free port; resolves once it prints its listening line. */
export async function startServerProgram(
  args: string[] = [],
): Promise<Program & { target: string }> {
  const program = await startProgram("server", ["--port", "0", ...args]);
  await Promise.race([
    program.stdout.waitFor(/listening on \S+:\d+\n/),
    program.process.status.then(() => {
      throw new Error(`server exited early: ${program.stderr.text}`);
    }),
  ]);
  const target = program.stdout.text.match(/listening on (\S+:\d+)/)![1];
  return Object.assign(program, { target });
}

/** A port nothing listens on: bound by the OS, then released. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Resolves with the error `promise` rejects with; fails if it fulfils. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
