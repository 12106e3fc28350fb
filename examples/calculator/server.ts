/**
 * The calculator server: `Cal.Add` and `Cal.Multiply` on two int32 numbers.
 * Like the tutorial's, it prints a line for each call.
 *
 * @module
 */
import { GrpcError, GrpcServer, isInt32, Status } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { Cal, type ResultReply } from "./api.ts";

/**
 * `result` as a reply. A result outside int32 would be truncated on the
 * wire, so it is refused with `OUT_OF_RANGE` instead.
 */
function reply(expression: string, result: bigint): ResultReply {
  if (!isInt32(result)) {
    throw new GrpcError(Status.OUT_OF_RANGE, `${expression} = ${result} does not fit in int32`);
  }
  return { number: Number(result) };
}

/** Starts a calculator server at `address`; `print` gets the line for each call. */
export function startServer(
  address: Address = {},
  print: (text: string) => void = console.log,
): Promise<StartedServer> {
  const server = new GrpcServer().add(Cal, {
    Add({ number1, number2 }) {
      print("Add function called");
      return reply(`${number1} + ${number2}`, BigInt(number1) + BigInt(number2));
    },
    Multiply({ number1, number2 }) {
      print("Multiply service called");
      return reply(`${number1} * ${number2}`, BigInt(number1) * BigInt(number2));
    },
  });
  return listen(server, address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:calculator:server",
      about: "Serves Cal (SimpleCal.proto): Add and Multiply on two int32 numbers.",
      defaultPort: 50051,
      start: (address) => startServer(address),
    }),
  );
}
