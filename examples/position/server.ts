/**
 * The position server: a point goes round a circle of radius 1 m, turning
 * 5° every 100 ms; `PositionReq` answers where it is now.
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { PositinService, PositionService } from "./api.ts";
import { positionAfter, STEP_MS } from "./circle.ts";

/**
 * Starts a position server at `address`. The point starts moving now;
 * `now` is the clock it moves by, in milliseconds.
 */
export function startServer(
  address: Address = {},
  now: () => number = performance.now.bind(performance),
): Promise<StartedServer> {
  const start = now();
  const service = {
    // Where the point is follows from the time elapsed: no timer to stop.
    PositionReq: () => ({
      position: positionAfter(Math.floor((now() - start) / STEP_MS)),
      status: 0,
      msg: "character position",
    }),
  };
  // The tutorial's text names the service PositionService; its code, PositinService.
  const server = new GrpcServer().add(PositionService, service).add(PositinService, service);
  return listen(server, address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:position:server",
      about: "Serves posXYZ.PositionService (position.proto), also as PositinService: a point\n" +
        "turning 5° every 100 ms round a circle of radius 1; PositionReq returns where it is.",
      defaultPort: 50051,
      start: (address) => startServer(address),
    }),
  );
}
