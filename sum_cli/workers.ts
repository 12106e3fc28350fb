/**
 * The server's workers: how many serve, how a worker is started, and what a
 * worker does for its supervisor (`cli/supervisor.ts`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ServerConfig } from "./server_config.ts";
import { supervise } from "../cli/supervisor.ts";
import type { Logger } from "../cli/log.ts";

/** The variable a supervisor sets for its workers: the worker's number. */
export const WORKER_VARIABLE = "SUM_WORKER";

/**
 * The environment variables the server may read; its task grants exactly
 * these (`--allow-env` in deno.json, checked by a test), and so do its
 * workers.
 */
export const SERVER_ENV = [
  "GRPC_*",
  "SUM_STORE",
  "REDIS_DEBUG_MAINTENANCE",
  "npm_command",
  "INIT_CWD",
  WORKER_VARIABLE,
];

/**
 * This process's number as a worker, if a supervisor started it; undefined
 * for a server run on its own, even one not allowed to read the variable.
 */
export function workerNumber(): number | undefined {
  const variable = WORKER_VARIABLE;
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  const value = Deno.env.get(variable);
  return value === undefined ? undefined : Number(value);
}

/**
 * Workers when `--workers` is not given, at most: each costs about 120 MiB
 * at start, and every one of them commits through the one writer of the
 * store (SQLite's write lock, Redis's one thread), which more workers do not
 * make faster. `--workers` asks for more.
 */
export const MAX_DEFAULT_WORKERS = 8;

/**
 * How many workers serve, and why not as many as asked (or as the default
 * would have), if not: without `--workers`, one a core, up to
 * {@linkcode MAX_DEFAULT_WORKERS}; one where the store is `memory`, which one
 * process holds, or where processes cannot share a port.
 */
export function workerPlan(
  config: Pick<ServerConfig, "workers" | "store">,
  { os = Deno.build.os, cores = navigator.hardwareConcurrency }: { os?: string; cores?: number } =
    {},
): { workers: number; notice?: string } {
  const asked = config.workers;
  const wanted = asked ?? Math.min(cores, MAX_DEFAULT_WORKERS);
  if (wanted === 1) return { workers: 1 };
  const not = asked === undefined ? "" : `, not ${asked}`;
  if (config.store.kind === "memory") {
    return {
      workers: 1,
      notice: `serving with 1 worker${not}: the store memory is held by one process ` +
        "(an sqlite: file or a redis:// store is shared by every worker)",
    };
  }
  if (os !== "linux" && os !== "freebsd") {
    return {
      workers: 1,
      notice: `serving with 1 worker${not}: processes cannot share a port on ${os} (SO_REUSEPORT)`,
    };
  }
  return { workers: wanted };
}

/**
 * The permission flags a worker is started with: those of the server's task
 * that this process holds, without `--allow-run` (a worker starts nothing).
 */
export function workerPermissions(config: Pick<ServerConfig, "store">): string[] {
  const granted = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  const flags: string[] = [];
  if (granted({ name: "net" })) flags.push("--allow-net");
  if (granted({ name: "read" })) flags.push("--allow-read");
  const { store } = config;
  if (store.kind === "sqlite" && granted({ name: "write", path: store.path })) {
    flags.push(`--allow-write=${store.path}`);
  }
  if (granted({ name: "sys", kind: "uid" })) flags.push("--allow-sys=uid");
  flags.push(`--allow-env=${SERVER_ENV.join(",")}`);
  return flags;
}

/**
 * Serves as the supervisor of `workers` processes, each running `script`
 * (server.ts) with the server's own `args` and the port the first one bound;
 * resolves to the exit status. Refuses, in one line, without `--allow-run`.
 */
export async function superviseWorkers(
  workers: number,
  { config, args, log, script }: {
    config: ServerConfig;
    args: string[];
    log: Logger;
    script: string;
  },
): Promise<number> {
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    console.error("error: --workers needs --allow-run: the server starts its workers");
    return 1;
  }
  const flags = [
    "run",
    "--quiet",
    ...workerPermissions(config),
    "--config",
    fileURLToPath(new URL("../deno.json", import.meta.url)),
    fileURLToPath(script),
    ...args,
  ];
  return await supervise({
    workers,
    port: config.port,
    log,
    ready: (address) => console.log(`listening on ${address}`),
    command: (id, port) => ({
      command: Deno.execPath(),
      args: [...flags, "--port", String(port)],
      env: { [WORKER_VARIABLE]: String(id) },
    }),
  });
}

/**
 * What a worker does for its supervisor: asks to be replaced (one line on
 * stdout) once it has accepted `maxConnections` connections or its memory
 * passes `maxRssBytes`. Returns what the server is to call for each
 * connection it accepts, and a promise that resolves when its stdin ends,
 * which is when the supervisor is gone: the worker should then stop.
 */
export function serveAsWorker(
  { maxConnections, maxRssBytes }: { maxConnections: number; maxRssBytes: number },
): { connectionAccepted: (accepted: number) => void; orphaned: Promise<void> } {
  let asked = false;
  const ask = (reason: string) => {
    if (asked) return;
    asked = true;
    clearInterval(memory);
    console.log(`replace: ${reason}`);
  };
  const memory = setInterval(() => {
    const rss = Deno.memoryUsage().rss;
    if (rss > maxRssBytes) ask(`its memory is ${Math.round(rss / 2 ** 20)} MiB`);
  }, 1_000);
  Deno.unrefTimer(memory);
  const orphaned = (async () => {
    for await (const _ of Deno.stdin.readable) {
      // nothing is sent; the end is the message
    }
  })();
  return {
    connectionAccepted: (accepted) => {
      if (accepted >= maxConnections) ask(`it has accepted ${accepted} connections`);
    },
    orphaned,
  };
}
