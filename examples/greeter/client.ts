/**
 * The Greeter client: greets "czl" with `SayHello`, then "daydaygo" with
 * `SayHelloAgain`, printing each reply.
 *
 * @module
 */
import { createChannel, createClient } from "../../lib/mod.ts";
import { clientMain } from "../_shared/program.ts";
import { Greeter } from "./api.ts";

/** Makes the tutorial's two calls to the Greeter at `target` and prints the replies. */
export async function runClient(
  target: string,
  print: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const channel = createChannel(target);
  try {
    const greeter = createClient(Greeter, channel);
    const hello = await greeter.SayHello({ name: "czl" }, { signal });
    print(`Greeter client received: ${hello.message}`);
    const again = await greeter.SayHelloAgain({ name: "daydaygo" }, { signal });
    print(`Greeter client received: ${again.message}`);
  } finally {
    channel.close();
  }
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:greeter:client",
      about: 'Greets "czl" with SayHello and "daydaygo" with SayHelloAgain; prints the replies.',
      defaultPort: 50051,
      run: ({ target, signal }) => runClient(target, console.log, signal),
    }),
  );
}
