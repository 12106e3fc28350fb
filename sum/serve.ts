import { GrpcServer, type GrpcServerOptions, type ListenOptions } from "../lib/mod.ts";
import { addHealth, HEALTH_PROTO } from "../lib/server/health.ts";
import { addReflection } from "../lib/server/reflection.ts";
import { SumService } from "./api.ts";
import { sumService } from "./handlers.ts";
import { MemoryStore } from "./memory_store.ts";
import type { TotalStore } from "./store.ts";
import { RunningTotal } from "./total.ts";

/** Options of {@linkcode serveSum}: where to listen, the store, and the server's own options. */
export interface ServeSumOptions extends ListenOptions, GrpcServerOptions {
  /** Where the total is kept; default a new {@linkcode MemoryStore}. */
  store?: TotalStore;
  /** Told when the store becomes unreachable or reachable again; health follows it. */
  onStoreAvailability?: (available: boolean, reason: string) => void;
  /** Told what the store's operator should know (a Redis without an append-only file). */
  onStoreNotice?: (message: string) => void;
  /** `Watch` calls open at once, at most; default 1,000. */
  maxWatchers?: number;
}

/** A running sum server. */
export interface SumServer {
  server: GrpcServer;
  total: RunningTotal;
  /** The bound port. */
  port: number;
}

/**
 * Starts a `sum.SumService` server on `options.store`, with health checking
 * (`grpc.health.v1`) and server reflection. Health is SERVING while the store
 * can take commits, NOT_SERVING while it cannot, and NOT_SERVING for good once
 * the server starts shutting down.
 *
 * @example
 * ```ts ignore
 * const { server, port } = await serveSum({ port: 0 });
 * await server.shutdown();
 * ```
 */
export async function serveSum(options: ServeSumOptions = {}): Promise<SumServer> {
  const server = new GrpcServer(options);
  const store = options.store ?? new MemoryStore();
  const names = ["", SumService.name];
  const setHealth = (available: boolean) => {
    if (server.draining.aborted) return;
    for (const name of names) health.setStatus(name, available ? "SERVING" : "NOT_SERVING");
  };
  const total = new RunningTotal(store, {
    availability: (available, reason) => {
      setHealth(available);
      options.onStoreAvailability?.(available, reason);
    },
    notice: options.onStoreNotice,
    maxWatchers: options.maxWatchers,
  });
  server.add(SumService, sumService({ total, draining: server.draining }));
  const health = addHealth(server, [SumService.name]);
  addReflection(server, [new URL("../sum.proto", import.meta.url), HEALTH_PROTO]);
  await store.connect();
  setHealth(store.available);
  const port = await server.listen(options);
  return { server, total, port };
}
