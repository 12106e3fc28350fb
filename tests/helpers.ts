import assert from "node:assert/strict";
import {
  type Client,
  createChannel,
  createClient,
  type GrpcServer,
  INT32_MAX,
  loadService,
  serverStreaming,
  unary,
} from "../lib/mod.ts";
import { HEALTH_PROTO } from "../lib/server/health.ts";
import { runClient } from "../client.ts";
import { type SumMethods, SumService } from "../sum/api.ts";
import { serveSum, type ServeSumOptions } from "../sum/serve.ts";
import type { RunningTotal } from "../sum/total.ts";

import { type Program, type StartOptions, startProgram, TextSink } from "../testing/programs.ts";

export { closedPort, type Program, startProgram, TextSink } from "../testing/programs.ts";
import { rejection } from "../testing/async.ts";
export { collect, rejection } from "../testing/async.ts";

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

/** `grpc.health.v1.Health`, for clients. */
export const Health = loadService(HEALTH_PROTO, {
  name: "grpc.health.v1.Health",
  methods: {
    Check: unary<{ service: string }, { status: string }>(),
    Watch: serverStreaming<{ service: string }, { status: string }>(),
  },
});

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
  options: {
    stdin?: ReadableStream<Uint8Array>;
    signal?: AbortSignal;
    stdout?: TextSink;
    stderr?: TextSink;
    terminal?: boolean;
  } = {},
): Promise<ClientRun> {
  const [host, port] = target.split(":");
  const stdout = options.stdout ?? new TextSink();
  const stderr = options.stderr ?? new TextSink();
  const status = await runClient(["--host", host, "--port", port, ...args], {
    stdin: options.stdin ?? textStream(),
    stdout: stdout.stream,
    stderr: stderr.stream,
    signal: options.signal ?? new AbortController().signal,
    terminal: options.terminal,
  });
  return { status, stdout: stdout.lines, stderr: stderr.lines };
}

/** A `server.ts` started as a program, with the folder it runs in. */
export type ServerProgram = Program & {
  /** Where it listens, as `localhost:PORT`. */
  target: string;
  /** Its working directory: its default store is `sum.db` in it. */
  cwd: string;
};

/**
 * Starts `server.ts` on a free port, as `deno task server` would from `cwd`;
 * resolves once it prints its listening line. Without `cwd` it runs in a new
 * folder of its own, removed when it is disposed, so that its default store
 * (`sum.db` there) is a fresh durable total.
 *
 * It is one process (`--workers 1`) unless `args` say `--workers` or
 * `defaultWorkers` is set: what most tests mean by "the server", killed with
 * one signal; `workers_test.ts` specifies the workers.
 */
export async function startServerProgram(
  args: string[] = [],
  options: StartOptions & { defaultWorkers?: boolean } = {},
): Promise<ServerProgram> {
  const cwd = options.cwd ?? await Deno.makeTempDir({ prefix: "sum-server-" });
  const workers = options.defaultWorkers || args.includes("--workers") ? [] : ["--workers", "1"];
  const program = await startProgram("server", ["--port", "0", ...workers, ...args], {
    ...options,
    cwd,
  });
  const stop = program[Symbol.asyncDispose];
  const dispose = async () => {
    await stop();
    if (options.cwd === undefined) await Deno.remove(cwd, { recursive: true });
  };
  try {
    await Promise.race([
      program.stdout.waitFor(/listening on \S+:\d+\n/),
      program.process.status.then(() => {
        throw new Error(`server exited early: ${program.stderr.text}`);
      }),
    ]);
  } catch (error) {
    await dispose();
    throw error;
  }
  const target = program.stdout.text.match(/listening on (\S+:\d+)/)![1];
  return Object.assign(program, { target, cwd, [Symbol.asyncDispose]: dispose });
}

/**
 * Takes the total to one below the int32 limit, then streams 1, 1, -5, -5:
 * the second 1 is refused, and the numbers after it, read ahead by stores
 * that group commits, must not be applied. Resolves to the replies and the
 * error the stream ended with.
 */
export async function refusedMidStream(
  client: Client<SumMethods>,
): Promise<{ replies: number[]; error: unknown }> {
  await client.Add({ num: INT32_MAX - 1 });
  const replies: number[] = [];
  const error = await rejection((async () => {
    for await (const { sum } of client.SumServer([1, 1, -5, -5].map((num) => ({ num })))) {
      replies.push(sum);
    }
  })());
  return { replies, error };
}

/** The total the server at `target` reports, asked as a user would: `client total`. */
export async function totalAt(target: string): Promise<number> {
  await using client = await startProgram("client", ["--server", target, "total"]);
  assert.equal(await client.exit(), 0, client.stderr.text);
  return Number(client.stdout.text);
}

/** 1, 2, …, 7, 1, 2, …: a resent number applied twice would shift every total after it. */
export const numbersOf = (count: number): number[] =>
  Array.from({ length: count }, (_, i) => i % 7 + 1);

/** The total after each of `numbers`, starting `from`. */
export function runningTotals(numbers: number[], from = 0): number[] {
  let total = from;
  return numbers.map((n) => total += n);
}

/** A folder of its own for a test; removed when disposed. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "sum-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
