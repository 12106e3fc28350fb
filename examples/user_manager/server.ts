/**
 * The user manager server: counts the known users among the ids a client
 * streams, and answers each chat message with two messages.
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { UserManager } from "./api.ts";

/** The ids of the users the server knows. */
export const KNOWN_USERS: ReadonlySet<number> = new Set([1, 2]);

/** Starts a user manager server at `address`; `print` gets a line per user counted and message. */
export function startServer(
  address: Address = {},
  print: (text: string) => void = console.log,
): Promise<StartedServer> {
  const server = new GrpcServer().add(UserManager, {
    async get_client_stream(requests) {
      let count = 0;
      for await (const { id } of requests) {
        if (!KNOWN_USERS.has(id)) continue;
        print("user count up");
        count++;
      }
      return { error: false, user: { id: count } };
    },

    async *connect_chat(messages) {
      for await (const { id, message } of messages) {
        print(`Receive new message!! [id: ${id}, msg: ${message}]`);
        yield { id, message: "Thank!!!" };
        yield { id, message: "good day!!!" };
      }
    },
  });
  return listen(server, address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:user_manager:server",
      about: "Serves UserManager (user.proto): counts known users (ids 1 and 2) among the\n" +
        "ids streamed to get_client_stream; connect_chat answers each message twice.",
      defaultPort: 1234,
      start: (address) => startServer(address),
    }),
  );
}
