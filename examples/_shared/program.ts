/**
 * What every example program shares: the `--host` and `--port` flags, the
 * `listening on HOST:PORT` line, shutdown on SIGINT or SIGTERM, and one-line
 * errors with exit status 1 (a call failed), 2 (usage) or 130 (Ctrl-C).
 *
 * @module
 */
import { GrpcError, type GrpcServer } from "../../lib/mod.ts";
import {
  addressFlags,
  hostPort,
  parseFlags,
  parsePort,
  UsageError,
  usageFailure,
} from "../../cli/flags.ts";
import { bindFailure, describeFailure } from "../../cli/failures.ts";
import { quietGrpcLogs } from "../../cli/grpc_logs.ts";
import { taskCommand } from "../../cli/invocation.ts";

export { UsageError };

/** Where a server listens. */
export interface Address {
  /** Default `localhost`. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
}

/** A server an example started; disposing it shuts it down at once. */
export interface StartedServer extends AsyncDisposable {
  server: GrpcServer;
  /** The bound port. */
  port: number;
}

/**
 * Starts `server` listening at `address`.
 *
 * @example
 * ```ts ignore
 * await using started = await listen(new GrpcServer().add(Greeter, greeter), { port: 0 });
 * console.log(started.port);
 * ```
 */
export async function listen(server: GrpcServer, address: Address): Promise<StartedServer> {
  const port = await server.listen(address);
  return {
    server,
    port,
    [Symbol.asyncDispose]: async () => {
      await server.shutdown({ graceMs: 0 });
    },
  };
}

/** A server program: its task name for the usage text, and how to start it. */
export interface ServerProgram {
  /** The deno task that runs it. */
  task: string;
  /** What it serves, in a sentence. */
  about: string;
  /** Default `localhost`. */
  defaultHost?: string;
  defaultPort: number;
  start(address: Required<Address>): Promise<StartedServer>;
}

/** A client program: its usage, and what it does once connected. */
export interface ClientProgram {
  /** The deno task that runs it. */
  task: string;
  /** The arguments after the options, for the usage line (`[N M]`); none if absent. */
  args?: string;
  /** What it does, in a sentence or a few lines. */
  about: string;
  /** Default `localhost`. */
  defaultHost?: string;
  defaultPort: number;
  /** Runs against `target` (`host:port`); calls should end when `signal` aborts. */
  run(session: { target: string; args: string[]; signal: AbortSignal }): Promise<void>;
}

function usage(task: string, synopsis: string, about: string, hostHelp: string, portHelp: string) {
  return `Usage: ${taskCommand(task)} ${synopsis}

${about}

Options:
  --host HOST   ${hostHelp}
  --port PORT   ${portHelp}
  -h, --help    show this help`;
}

/**
 * Runs a server program with command-line `args`: prints `listening on
 * HOST:PORT` once ready, serves until SIGINT or SIGTERM, then shuts down.
 * Resolves to the exit status.
 */
export async function serverMain(args: string[], program: ServerProgram): Promise<number> {
  quietGrpcLogs();
  const defaultHost = program.defaultHost ?? "localhost";
  let host: string, port: number;
  try {
    const { values, positionals } = parseFlags(
      args,
      addressFlags({ host: defaultHost, port: program.defaultPort }),
    );
    if (values.help) {
      console.log(usage(
        program.task,
        "[--host HOST] [--port PORT]",
        `${program.about}\nPrints "listening on HOST:PORT" once ready; stops on Ctrl-C or SIGTERM.`,
        `interface to listen on (default: ${defaultHost}; 0.0.0.0 or :: for all)`,
        `port (default: ${program.defaultPort}; 0 picks a free one)`,
      ));
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    host = values.host;
    port = parsePort(values.port);
  } catch (error) {
    return usageFailure(error);
  }
  let started: StartedServer;
  try {
    started = await program.start({ host, port });
  } catch (error) {
    console.error(`error: cannot listen on ${hostPort(host, port)}: ${bindFailure(error)}`);
    return 1;
  }
  const stop = Promise.withResolvers<void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, stop.resolve);
  }
  console.log(`listening on ${hostPort(host, started.port)}`);
  await stop.promise;
  await started.server.shutdown();
  return 0;
}

/**
 * Runs a client program with command-line `args`; resolves to the exit
 * status. Ctrl-C aborts the session's signal, which cancels its calls.
 */
export async function clientMain(args: string[], program: ClientProgram): Promise<number> {
  quietGrpcLogs();
  const defaultHost = program.defaultHost ?? "localhost";
  let target: string, rest: string[];
  try {
    const { values, positionals } = parseFlags(
      args,
      addressFlags({ host: defaultHost, port: program.defaultPort }),
    );
    if (values.help) {
      console.log(usage(
        program.task,
        `[--host HOST] [--port PORT]${program.args ? ` ${program.args}` : ""}`,
        program.about,
        `server host (default: ${defaultHost})`,
        `server port (default: ${program.defaultPort})`,
      ));
      return 0;
    }
    if (!program.args && positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}"`);
    }
    target = hostPort(values.host, parsePort(values.port));
    rest = positionals;
  } catch (error) {
    return usageFailure(error);
  }
  const interrupt = new AbortController();
  // A client waiting on something other than a call, such as its input,
  // stops at Ctrl-C too.
  const interrupted = new Promise<never>((_, reject) => {
    interrupt.signal.addEventListener("abort", () => reject(interrupt.signal.reason));
  });
  Deno.addSignalListener("SIGINT", () => interrupt.abort());
  try {
    await Promise.race([
      program.run({ target, args: rest, signal: interrupt.signal }),
      interrupted,
    ]);
    return 0;
  } catch (error) {
    if (interrupt.signal.aborted) return 130;
    if (!(error instanceof GrpcError)) return usageFailure(error);
    console.error(`error: ${describeFailure(error, target)}`);
    return 1;
  }
}
