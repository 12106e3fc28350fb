import type { Server, ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, protoPath } from "grpc-health-check";
import { GrpcError } from "./error.ts";
import { endWhenAged, type GrpcServer } from "./server.ts";
import { Status } from "./status.ts";

/** The `grpc.health.v1` proto file, for reflection and clients. */
export const HEALTH_PROTO: string = protoPath;

type WatchCall = ServerWritableStream<unknown, unknown>;

/**
 * Serves `grpc.health.v1.Health` (Check and Watch, from `grpc-health-check`)
 * on `server`: SERVING for the whole server (`""`) and for each name in
 * `services`. The moment a graceful shutdown begins, every status turns
 * NOT_SERVING, so that load balancers drain the server before it goes, and
 * each open Watch ends after saying so, with `UNAVAILABLE: the server is
 * shutting down`, so that it does not hold the shutdown up. Returns the
 * implementation, to report other states.
 *
 * @example
 * ```ts ignore
 * addHealth(server, ["sum.SumService"]);
 * ```
 */
export function addHealth(server: GrpcServer, services: string[]): HealthImplementation {
  const names = ["", ...services];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, "SERVING"])));
  const watches = new Set<WatchCall>();
  const tracking = {
    addService(definition, implementation: UntypedServiceImplementation) {
      const watch = implementation.watch as (call: WatchCall) => void;
      server.raw.addService(definition, {
        ...implementation,
        watch(call: WatchCall) {
          watches.add(call);
          const forget = endWhenAged(server, call, (status) => {
            watches.delete(call);
            call.emit("error", status);
          });
          call.on("cancelled", () => {
            watches.delete(call);
            forget();
          });
          watch(call);
        },
      });
    },
  } as Pick<Server, "addService">;
  health.addToServer(tracking as Server);
  server.draining.addEventListener("abort", () => {
    for (const name of names) health.setStatus(name, "NOT_SERVING");
    // As the server's other streams end: UNAVAILABLE, which clients retry
    // elsewhere, not OK, which says the watch is over for good.
    const shuttingDown = new GrpcError(Status.UNAVAILABLE, "the server is shutting down");
    for (const call of watches) call.emit("error", shuttingDown);
  });
  return health;
}
