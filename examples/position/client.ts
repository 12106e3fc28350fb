/**
 * The position client: asks for the position every second and prints it,
 * numbers as Python prints them, until Ctrl-C.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Client,
  createChannel,
  createClient,
  GrpcError,
  isGrpcError,
  Status,
} from "../../lib/mod.ts";
import { describeFailure } from "../../cli/failures.ts";
import { clientMain } from "../_shared/program.ts";
import { PositinService, PositionService } from "./api.ts";
import { pythonFloat } from "./python_float.ts";

type Print = (text: string) => void;

/** Options of {@linkcode runClient}. */
export interface PollOptions {
  /** How many times to ask. Default: until `signal` aborts. */
  polls?: number;
  /** The wait before each request, in milliseconds. Default 1,000. */
  everyMs?: number;
  signal?: AbortSignal;
}

async function requestPosition(
  positions: Client<typeof PositionService.methods>,
  print: Print,
  signal?: AbortSignal,
): Promise<void> {
  const res = await positions.PositionReq({ status: 0, msg: "request pos" }, { signal });
  if (res.status !== 0) {
    print("Position Response Error");
    return;
  }
  // An unset position reads as the origin, as in Python.
  const { x, y, z } = res.position ?? { x: 0, y: 0, z: 0 };
  const [px, py, pz] = [x, y, z].map(pythonFloat);
  print(`PositionRes ${res.status}, ${res.msg}, x:${px}, y:${py}, z:${pz}`);
  print(`${px}, ${py}, ${pz}`);
}

/**
 * Polls the position server at `target`, printing each position as the
 * tutorial's client logs it. A failed request is reported and the polling
 * goes on. It asks `PositionService`, the name the tutorial's text gives the
 * service; a server that answers `UNIMPLEMENTED` is asked again, and from
 * then on, as `PositinService`, the name the tutorial's code gives it.
 */
export async function runClient(
  target: string,
  print: Print,
  { polls = Infinity, everyMs = 1000, signal }: PollOptions = {},
): Promise<void> {
  const channel = createChannel(target);
  print(`Open position client channel: ${target}`);
  try {
    let positions = createClient(PositionService, channel);
    let otherName: typeof positions | undefined = createClient(PositinService, channel);
    for (let poll = 0; poll < polls; poll++) {
      await sleep(everyMs, undefined, { signal });
      try {
        try {
          await requestPosition(positions, print, signal);
        } catch (error) {
          if (!otherName || !isGrpcError(error, Status.UNIMPLEMENTED)) throw error;
          [positions, otherName] = [otherName, undefined];
          await requestPosition(positions, print, signal);
        }
      } catch (error) {
        if (signal?.aborted || !(error instanceof GrpcError)) throw error;
        print(`client error ${describeFailure(error, target)}`);
      }
    }
  } finally {
    channel.close();
  }
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:position:client",
      about: "Asks posXYZ.PositionService for the position every second and prints it,\n" +
        "until Ctrl-C.",
      defaultPort: 50051,
      run: ({ target, signal }) => runClient(target, console.log, { signal }),
    }),
  );
}
