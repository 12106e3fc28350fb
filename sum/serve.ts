import { type CallSummary, GrpcServer, type ListenOptions } from "../lib/mod.ts";
import { SumService } from "./api.ts";
import { sumService } from "./handlers.ts";
import { RunningTotal } from "./total.ts";

/** Options of {@linkcode serveSum}. */
export interface ServeSumOptions extends ListenOptions {
  /** Called once per call as it ends. */
  onCallEnd?: (summary: CallSummary) => void;
}

/** A running sum server. */
export interface SumServer {
  server: GrpcServer;
  total: RunningTotal;
  /** The bound port. */
  port: number;
}

/**
 * Starts a `sum.SumService` server with a total of 0.
 *
 * @example
 * ```ts ignore
 * const { server, port } = await serveSum({ port: 0 });
 * await server.shutdown();
 * ```
 */
export async function serveSum(options: ServeSumOptions = {}): Promise<SumServer> {
  const server = new GrpcServer({ onCallEnd: options.onCallEnd });
  const total = new RunningTotal();
  server.add(SumService, sumService({ total, draining: server.draining }));
  const port = await server.listen(options);
  return { server, total, port };
}
