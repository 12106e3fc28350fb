/**
 * The compute server: `SayHello` answers with the length of the string it
 * is given, as a string.
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { Compute, type HelloReply, type HelloRequest } from "./api.ts";

/**
 * The length of `helloworld` as Python's `len` counts it, in characters
 * (code points), not in the UTF-16 units of a JavaScript string's `length`.
 */
function measure({ helloworld }: HelloRequest): HelloReply {
  return { result: String([...helloworld].length) };
}

/** Starts a compute server at `address`. */
export function startServer(address: Address = {}): Promise<StartedServer> {
  return listen(new GrpcServer().add(Compute, { SayHello: measure }), address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:compute:server",
      about: "Serves compute.Compute (compute.proto): SayHello answers with the length of\n" +
        "the string it is given.",
      defaultHost: "127.0.0.1",
      defaultPort: 19999,
      start: startServer,
    }),
  );
}
