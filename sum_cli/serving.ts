/**
 * The sum server in this process: serves `sum.SumService`, health checking
 * and reflection until SIGINT or SIGTERM (or, as a worker, until its
 * supervisor is gone), then lets open calls finish within the grace period.
 *
 * @module
 */
import { type CallSummary, Status, statusName } from "../lib/mod.ts";
import { hostPort } from "../cli/flags.ts";
import { bindFailure } from "../cli/failures.ts";
import { quietGrpcLogs } from "../cli/grpc_logs.ts";
import type { Logger } from "../cli/log.ts";
import { LogBudget } from "../cli/log_budget.ts";
import { serveSum } from "../sum/serve.ts";
import { StoreOpenError } from "../sum/store.ts";
import type { ServerConfig } from "./server_config.ts";
import { openConfiguredStore, refuseToStart, tlsCredentials } from "./serving_setup.ts";
import { serveAsWorker } from "./workers.ts";

const SERVER_FAULTS = new Set<number>([Status.UNKNOWN, Status.INTERNAL, Status.DATA_LOSS]);

/** Logs each call as it ends, at most `perSecond` a second; the rest are counted in one line. */
function callLogger(log: Logger, perSecond: number) {
  const budget = new LogBudget(perSecond, (skipped) => {
    const byStatus = [...skipped].map(([status, count]) => `${status} ${count}`).join(", ");
    log.log("warn", "calls not logged", {
      count: [...skipped.values()].reduce((sum, count) => sum + count, 0),
      by_status: byStatus,
      limit_per_s: perSecond,
    });
  });
  return ({ method, peer, code, details, durationMs }: CallSummary) => {
    const level = SERVER_FAULTS.has(code) ? "error" : "info";
    if (!log.enabled(level) || !budget.take(statusName(code))) return;
    log.log(level, "call", {
      method,
      peer,
      status: statusName(code),
      duration_ms: Number(durationMs.toFixed(3)),
      details: code === Status.OK ? undefined : details,
    });
  };
}

/** Logs connections refused over the limit: the first of each second, then a count. */
function connectionRefusalLogger(log: Logger) {
  const budget = new LogBudget(1, (skipped) =>
    log.log("warn", "connections refused", {
      count: skipped.get("refused"),
      reason: "at the limit of open connections",
    }));
  return ({ peer, maxConnections }: { peer: string; maxConnections: number }) => {
    if (!budget.take("refused")) return;
    log.log("warn", "connection refused", {
      peer,
      reason: `${maxConnections} connections open, the limit (--max-connections)`,
    });
  };
}

/**
 * A terminal's Ctrl-C reaches the server twice under `deno task`: from the
 * terminal, and forwarded by `deno task` a moment later. A second SIGINT this
 * soon after the first is that same Ctrl-C, not a deliberate second one.
 */
const SAME_CTRL_C_MS = 500;

const LOOPBACK = /^(localhost|127(\.\d+){3}|::1|\[::1\])$/;

/**
 * Serves with `config` until stopped; resolves to the exit status. `worker`
 * is its number under a supervisor; `notice` says why it serves alone, if
 * it does.
 */
export async function serveProcess(
  config: ServerConfig,
  args: string[],
  { log, worker, notice }: { log: Logger; worker?: number; notice?: string },
): Promise<number> {
  quietGrpcLogs();
  const { host, graceMs, tls } = config;
  const credentials = await tlsCredentials(tls);
  if (typeof credentials === "string") return refuseToStart(credentials);
  const store = await openConfiguredStore(config, args);
  if (typeof store === "string") return refuseToStart(store);
  const asWorker = worker === undefined ? undefined : serveAsWorker({
    maxConnections: config.workerMaxConnections,
    maxRssBytes: config.workerMaxRssBytes,
  });
  let started;
  try {
    started = await serveSum({
      store,
      onStoreAvailability: (available, reason) =>
        log.log(available ? "info" : "error", available ? "store available" : "store unavailable", {
          store: store.name,
          reason,
        }),
      onStoreNotice: (message) => log.log("warn", message, { store: store.name }),
      maxWatchers: config.maxWatchers,
      maxConnections: config.maxConnections,
      host,
      port: config.port,
      credentials,
      options: config.options,
      maxConnectionAgeMs: config.maxConnectionAgeMs,
      maxConnectionAgeGraceMs: config.maxConnectionAgeGraceMs,
      onCallStart: log.enabled("debug")
        ? ({ method, peer }) => log.log("debug", "call started", { method, peer })
        : undefined,
      onCallEnd: callLogger(log, config.callLogRate),
      onHandshakeFailure: ({ peer, reason }) =>
        log.log("warn", "TLS handshake failed", { peer, reason }),
      onConnectionRefused: connectionRefusalLogger(log),
      reusePort: worker !== undefined,
      onConnectionAccepted: (accepted) => asWorker?.connectionAccepted(accepted),
      onAcceptingRestarted: ({ stalledMs }) =>
        log.log("warn", `accepting again after ${stalledMs} ms`, {
          reason: "the server ran out of open files (a burst past --max-connections)",
        }),
      onUnexpectedError: (error, method) =>
        log.log("error", "handler failed", { method, error: String(error) }),
    });
  } catch (error) {
    await store.close();
    return refuseToStart(
      error instanceof StoreOpenError
        ? error.message
        : `cannot listen on ${hostPort(host, config.port)}: ${bindFailure(error)}`,
    );
  }
  const { server, port } = started;
  const stopped = Promise.withResolvers<number>();
  let stoppingSince: number | undefined;
  const onSignal = async (signal: Deno.Signal) => {
    if (stoppingSince !== undefined) {
      if (signal === "SIGINT" && performance.now() - stoppingSince < SAME_CTRL_C_MS) return;
      log.log("warn", "cancelling the open calls now", { signal });
      await server.shutdown({ graceMs: 0 });
      await store.close();
      return stopped.resolve(0);
    }
    stoppingSince = performance.now();
    log.log("info", "shutting down", { signal, grace_s: graceMs / 1000 });
    const { forced } = await server.shutdown({ graceMs });
    await store.close();
    log.log("info", forced ? "stopped; the calls still open were cancelled" : "stopped");
    stopped.resolve(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => onSignal(signal));
  }
  asWorker?.orphaned.then(() => onSignal("SIGTERM"));
  // Listening for signals before saying so: a supervisor may stop it at once.
  console.log(`listening on ${hostPort(host, port)}`);
  if (!tls && !LOOPBACK.test(host)) {
    log.log("warn", "serving without TLS on a non-loopback address", { host });
  }
  const transport = tls ? (tls.clientCa ? "mutual TLS" : "TLS") : "plaintext";
  log.log("info", "serving", {
    address: hostPort(host, port),
    transport,
    store: store.name,
    total: store.available ? store.total : undefined,
  });
  // A warning if the user asked for workers; the default just says how it serves.
  if (notice) log.log(config.workers === undefined ? "info" : "warn", notice);
  return await stopped.promise;
}
