import { HealthImplementation, protoPath } from "grpc-health-check";
import type { GrpcServer } from "./server.ts";

/** The `grpc.health.v1` proto file, for reflection and clients. */
export const HEALTH_PROTO: string = protoPath;

/**
 * Serves `grpc.health.v1.Health` (Check and Watch) on `server`: SERVING for
 * the whole server (`""`) and for each name in `services`, turning NOT_SERVING
 * the moment a graceful shutdown begins, so that load balancers drain the
 * server before it goes. Returns the implementation, to report other states.
 *
 * @example
 * ```ts ignore
 * addHealth(server, ["sum.SumService"]);
 * ```
 */
export function addHealth(server: GrpcServer, services: string[]): HealthImplementation {
  const names = ["", ...services];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, "SERVING"])));
  health.addToServer(server.raw);
  server.draining.addEventListener("abort", () => {
    for (const name of names) health.setStatus(name, "NOT_SERVING");
  });
  return health;
}
