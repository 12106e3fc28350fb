/**
 * gRPC health checking (`grpc.health.v1.Health`) for a {@linkcode GrpcServer},
 * in a module of its own so that only servers that serve it load its package.
 *
 * @module
 */
import type { Server, ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, protoPath } from "grpc-health-check";
import { GrpcError } from "../error.ts";
import { endWhenAged, type GrpcServer } from "./server.ts";
import { Status } from "../status.ts";

/** The `grpc.health.v1` proto file, for reflection and clients. */
export const HEALTH_PROTO: string = protoPath;

type WatchCall = ServerWritableStream<unknown, unknown>;

/** What a service's health can be (`grpc.health.v1`'s `ServingStatus`). */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING";

/** A server's health service: the status it reports for each service name. */
export interface HealthService {
  /** Reports `status` for `service` (`""`: the whole server) from now on, to checks and watches. */
  setStatus(service: string, status: ServingStatus): void;
}

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { createChannel, createClient, GrpcServer, loadService, unary } from "../mod.ts";
 * import { addHealth, HEALTH_PROTO } from "./health.ts";
 * const server = new GrpcServer();
 * const health = addHealth(server, ["echo.Echo"]);
 * health.setStatus("echo.Echo", "NOT_SERVING");
 * const port = await server.listen();
 *
 * const Health = loadService(HEALTH_PROTO, {
 *   name: "grpc.health.v1.Health",
 *   methods: { Check: unary<{ service: string }, { status: string }>() },
 * });
 * const channel = createChannel(`localhost:${port}`);
 * const client = createClient(Health, channel);
 * assert.deepEqual(await client.Check({ service: "" }), { status: "SERVING" });
 * assert.deepEqual(await client.Check({ service: "echo.Echo" }), { status: "NOT_SERVING" });
 * channel.close();
 * await server.shutdown();
 * ```
 */
export function addHealth(server: GrpcServer, services: string[]): HealthService {
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
