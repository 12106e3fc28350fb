/**
 * The Greeter server: `SayHello` and `SayHelloAgain` both answer "hello NAME".
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { Greeter, type HelloReply, type HelloRequest } from "./api.ts";

function greet({ name }: HelloRequest): HelloReply {
  return { message: `hello ${name}` };
}

/** Starts a Greeter server at `address`. */
export function startServer(address: Address = {}): Promise<StartedServer> {
  const server = new GrpcServer().add(Greeter, { SayHello: greet, SayHelloAgain: greet });
  return listen(server, address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:greeter:server",
      about: 'Serves Greeter (helloworld.proto): SayHello and SayHelloAgain answer "hello NAME".',
      defaultPort: 50051,
      start: startServer,
    }),
  );
}
