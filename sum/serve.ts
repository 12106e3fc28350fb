import { GrpcServer, type GrpcServerOptions, type ListenOptions } from "../lib/mod.ts";
import { addHealth, HEALTH_PROTO } from "../lib/health.ts";
import { addReflection } from "../lib/reflection.ts";
import { SumService } from "./api.ts";
import { sumService } from "./handlers.ts";
import { RunningTotal } from "./total.ts";

/** Options of {@linkcode serveSum}: where to listen, and the server's own options. */
export type ServeSumOptions = ListenOptions & GrpcServerOptions;

/** A running sum server. */
export interface SumServer {
  server: GrpcServer;
  total: RunningTotal;
  /** The bound port. */
  port: number;
}

/**
 * Starts a `sum.SumService` server with a total of 0, with health checking
 * (`grpc.health.v1`) and server reflection.
 *
 * @example
 * ```ts ignore
 * const { server, port } = await serveSum({ port: 0 });
 * await server.shutdown();
 * ```
 */
export async function serveSum(options: ServeSumOptions = {}): Promise<SumServer> {
  const server = new GrpcServer(options);
  const total = new RunningTotal();
  server.add(SumService, sumService({ total, draining: server.draining }));
  addHealth(server, [SumService.name]);
  addReflection(server, [new URL("../sum.proto", import.meta.url), HEALTH_PROTO]);
  const port = await server.listen(options);
  return { server, total, port };
}
