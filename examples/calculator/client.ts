/**
 * The calculator client: adds and multiplies two numbers, 100 and 300
 * unless given others, and prints both results.
 *
 * @module
 */
import { createChannel, createClient } from "../../lib/mod.ts";
import { clientMain, UsageError } from "../_shared/program.ts";
import { Cal } from "./api.ts";
import { int32Arg } from "../_shared/int32.ts";

/** Adds and multiplies `n` and `m` on the server at `target`, printing `n + m = …`, `n * m = …`. */
export async function runClient(
  target: string,
  print: (text: string) => void,
  { n = 100, m = 300, signal }: { n?: number; m?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const channel = createChannel(target);
  try {
    const cal = createClient(Cal, channel);
    const sum = await cal.Add({ number1: n, number2: m }, { signal });
    print(`${n} + ${m} = ${sum.number}`);
    const product = await cal.Multiply({ number1: n, number2: m }, { signal });
    print(`${n} * ${m} = ${product.number}`);
  } finally {
    channel.close();
  }
}

/** The operands from the command line: none (the tutorial's 100 and 300) or two int32s. */
export function operands(args: string[]): { n?: number; m?: number } {
  if (args.length === 0) return {};
  if (args.length !== 2) throw new UsageError("give two numbers, or none for 100 and 300");
  const [n, m] = args.map(int32Arg);
  return { n, m };
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:calculator:client",
      args: "[N M]",
      about: "Adds and multiplies N and M (default: 100 and 300) with Cal; prints both results.\n" +
        "A negative number goes after --, as in: -- 7 -6",
      defaultPort: 50051,
      run: ({ target, args, signal }) =>
        runClient(target, console.log, { ...operands(args), signal }),
    }),
  );
}
