/**
 * The compute client: asks for the length of "123456" and prints the answer.
 *
 * @module
 */
import { createChannel, createClient } from "../../lib/mod.ts";
import { clientMain } from "../_shared/program.ts";
import { Compute } from "./api.ts";

/** Asks the compute server at `target` for the length of `text` and prints `received: N`. */
export async function runClient(
  target: string,
  print: (text: string) => void,
  { text = "123456", signal }: { text?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const channel = createChannel(target);
  try {
    const response = await createClient(Compute, channel).SayHello({ helloworld: text }, {
      signal,
    });
    print(`received: ${response.result}`);
  } finally {
    channel.close();
  }
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:compute:client",
      about: 'Asks compute.Compute for the length of "123456" and prints it.',
      defaultHost: "127.0.0.1",
      defaultPort: 19999,
      run: ({ target, signal }) => runClient(target, console.log, { signal }),
    }),
  );
}
