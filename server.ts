/**
 * The running-sum server: serves `sum.SumService` until SIGINT or SIGTERM,
 * then lets open calls finish within a grace period.
 *
 * @module
 */
import { type CallSummary, statusName } from "./lib/mod.ts";
import { addressFlags, hostPort, parseFlags, parsePort, UsageError } from "./cli/flags.ts";
import { quietGrpcLogs } from "./cli/grpc_logs.ts";
import { serveSum } from "./sum/serve.ts";

const USAGE = `Usage: deno task server [--host HOST] [--port PORT] [--grace SECONDS]

Serves sum.SumService: one running total, shared by every client.
Prints "listening on HOST:PORT" once ready; logs one line per call on stderr.

Options:
  --host HOST        interface to listen on (default: localhost; 0.0.0.0 or :: for all)
  --port PORT        port (default: 50051; 0 picks a free one)
  --grace SECONDS    on SIGINT/SIGTERM, how long open calls may still run (default: 5)
  -h, --help         show this help`;

interface ServerConfig {
  host: string;
  port: number;
  graceMs: number;
}

function configFrom(args: string[]): ServerConfig | undefined {
  const { values, positionals } = parseFlags(args, {
    ...addressFlags,
    grace: { type: "string", default: "5" },
  });
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const grace = Number(values.grace);
  if (values.grace.trim() === "" || !(grace >= 0 && grace <= 86_400)) {
    throw new UsageError(
      `--grace must be a number of seconds from 0 to 86400, not "${values.grace}"`,
    );
  }
  return { host: values.host, port: parsePort(values.port), graceMs: grace * 1000 };
}

function log(message: string): void {
  console.error(`${new Date().toISOString()} ${message}`);
}

function logCall({ method, peer, code, durationMs }: CallSummary): void {
  log(`${method} peer=${peer} status=${statusName(code)} duration=${durationMs.toFixed(1)}ms`);
}

/** The system's reason inside grpc-js's bind error ("address already in use"), or its message. */
function bindFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.match(/listen E[A-Z]+: ([^\]]+?)(?: \S+:\d+)?\]/)?.[1] ?? message;
}

async function main(args: string[]): Promise<number> {
  let config: ServerConfig | undefined;
  try {
    config = configFrom(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\nrun with --help for usage`);
    return 2;
  }
  if (!config) {
    console.log(USAGE);
    return 0;
  }
  const { host, graceMs } = config;
  let started;
  try {
    started = await serveSum({ host, port: config.port, onCallEnd: logCall });
  } catch (error) {
    console.error(`error: cannot listen on ${hostPort(host, config.port)}: ${bindFailure(error)}`);
    return 1;
  }
  const { server, port } = started;
  console.log(`listening on ${hostPort(host, port)}`);

  const stopped = Promise.withResolvers<number>();
  let stopping = false;
  const onSignal = async (signal: Deno.Signal) => {
    if (stopping) {
      log(`${signal} again: cancelling the open calls now`);
      await server.shutdown({ graceMs: 0 });
      return stopped.resolve(0);
    }
    stopping = true;
    log(`${signal}: shutting down; open calls have ${graceMs / 1000}s to finish`);
    const { forced } = await server.shutdown({ graceMs });
    log(forced ? "stopped; the calls still open were cancelled" : "stopped");
    stopped.resolve(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => onSignal(signal));
  }
  return await stopped.promise;
}

if (import.meta.main) {
  quietGrpcLogs();
  Deno.exit(await main(Deno.args));
}
