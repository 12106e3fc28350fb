/**
 * The server as several processes on one port: a supervisor that starts its
 * workers (each a whole server, listening with `SO_REUSEPORT`), prints the
 * one `listening on` line once all are ready, restarts one that dies,
 * replaces one that asks to be (a new worker listens first, then the old one
 * drains), and stops them all on SIGINT or SIGTERM.
 *
 * Why processes: one Deno process serves from one core, and Deno 2.8.3 frees
 * the native memory of a closed HTTP/2 connection only when the process
 * exits (docs/deno.md); a terminated `Worker` keeps it.
 *
 * A worker talks to its supervisor in lines on its stdout: `listening on
 * HOST:PORT` once it serves, `replace: REASON` when it should be replaced.
 * Its stderr (its log) is passed on line by line. Its stdin is the lifeline:
 * at its end (the supervisor is gone, even by SIGKILL) the worker stops.
 *
 * @module
 */
import type { Logger } from "./log.ts";

/** What {@linkcode supervise} needs. */
export interface SuperviseOptions {
  /** How many workers serve at once. */
  workers: number;
  /** The command line of a worker, given its number and the port to listen on. */
  command: (
    worker: number,
    port: number,
  ) => { command: string; args: string[]; env: Record<string, string> };
  /** The port asked for; 0 lets the first worker choose one for all. */
  port: number;
  /** Writes the one line that says the server is ready. */
  ready: (address: string) => void;
  log: Logger;
}

/** A worker that died this soon after starting counts towards giving up. */
const EARLY_EXIT_MS = 2_000;
/** Early exits in a row after which the supervisor gives up. */
const MAX_EARLY_EXITS = 5;
/** As in server.ts: a second SIGINT this soon after the first is the same Ctrl-C. */
const SAME_CTRL_C_MS = 500;

interface Worker {
  readonly id: number;
  readonly process: Deno.ChildProcess;
  readonly startedAt: number;
  readonly listening: Promise<string | undefined>;
  /** Asked to stop: its exit is not a failure. */
  stopping: boolean;
  replacing: boolean;
}

/**
 * Runs the workers until a signal stops them; resolves to the exit status:
 * 0 once every worker has drained, 1 if a worker could not start (its own
 * message is on stderr; the others are stopped) or workers kept dying at
 * start.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const { log } = options;
  const workers = new Set<Worker>();
  const done = Promise.withResolvers<void>();
  let serving = false;
  let nextId = 1;
  let port = options.port;
  let stoppingSince: number | undefined;
  let earlyExits = 0;

  const start = (): Worker => {
    const id = nextId++;
    const { command, args, env } = options.command(id, port);
    const process = new Deno.Command(command, {
      args,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      // Its own process group: a terminal's Ctrl-C reaches the supervisor,
      // which stops the workers itself.
      detached: true,
    }).spawn();
    const listening = Promise.withResolvers<string | undefined>();
    const worker: Worker = {
      id,
      process,
      startedAt: performance.now(),
      listening: listening.promise,
      stopping: false,
      replacing: false,
    };
    workers.add(worker);
    log.log("info", "worker started", { worker: id, pid: process.pid });
    passLines(process.stderr, (line) => console.error(line));
    passLines(process.stdout, (line) => {
      const address = line.match(/^listening on (\S+)$/)?.[1];
      if (address !== undefined) listening.resolve(address);
      const reason = line.match(/^replace: (.*)$/)?.[1];
      if (reason !== undefined) void replace(worker, reason);
    }).then(() => listening.resolve(undefined));
    process.status.then((status) => exited(worker, status));
    return worker;
  };

  const exited = (worker: Worker, status: Deno.CommandStatus) => {
    workers.delete(worker);
    if (stoppingSince !== undefined) {
      if (workers.size === 0) done.resolve();
      return;
    }
    // Before every worker serves, a worker's exit fails the start (below).
    if (!serving || worker.stopping) return;
    const how = status.signal ? `signal ${status.signal}` : `status ${status.code}`;
    if (performance.now() - worker.startedAt < EARLY_EXIT_MS) earlyExits++;
    else earlyExits = 0;
    if (earlyExits >= MAX_EARLY_EXITS) {
      log.log("error", "workers keep exiting at start; stopping", { worker: worker.id, exit: how });
      stopAll();
      return;
    }
    const next = start();
    log.log("warn", "worker exited; started another", {
      worker: worker.id,
      exit: how,
      replacement: next.id,
    });
  };

  const replace = async (old: Worker, reason: string) => {
    if (old.replacing || old.stopping || stoppingSince !== undefined) return;
    old.replacing = true;
    const next = start();
    log.log("info", "replacing worker", { worker: old.id, reason, replacement: next.id });
    if (await next.listening === undefined) return; // it failed; its exit is handled
    old.stopping = true;
    signal(old, "SIGTERM");
  };

  const stopAll = () => {
    stoppingSince = performance.now();
    if (workers.size === 0) done.resolve();
    for (const worker of workers) {
      worker.stopping = true;
      signal(worker, "SIGTERM");
    }
  };

  const onSignal = (name: Deno.Signal) => {
    if (stoppingSince === undefined) {
      log.log("info", "stopping every worker", { signal: name, workers: workers.size });
      stopAll();
    } else if (!(name === "SIGINT" && performance.now() - stoppingSince < SAME_CTRL_C_MS)) {
      // A worker's second signal cancels its open calls now.
      for (const worker of workers) signal(worker, "SIGTERM");
    }
  };
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(name, () => onSignal(name));
  }

  // The first worker chooses the port when asked for 0; the others share it.
  const address = await start().listening;
  if (address !== undefined) {
    port = Number(address.slice(address.lastIndexOf(":") + 1));
    const rest = Array.from({ length: options.workers - 1 }, start);
    const started = await Promise.all(rest.map((worker) => worker.listening));
    serving = stoppingSince === undefined && started.every((each) => each !== undefined);
  }
  if (serving) {
    options.ready(address!);
    log.log("info", "serving with workers", { workers: options.workers, address });
  }
  // A worker that could not start has said why on stderr; the others stop.
  const failedToStart = !serving && stoppingSince === undefined;
  if (failedToStart) stopAll();
  await done.promise;
  return failedToStart || earlyExits >= MAX_EARLY_EXITS ? 1 : 0;
}

function signal(worker: Worker, name: Deno.Signal): void {
  try {
    worker.process.kill(name);
  } catch {
    // already exited
  }
}

/** Calls `each` with every line of `stream`; resolves at its end. */
async function passLines(stream: ReadableStream<Uint8Array>, each: (line: string) => void) {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) each(line);
  }
  if (pending !== "") each(pending);
}
