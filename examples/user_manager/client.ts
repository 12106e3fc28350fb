/**
 * The user manager client. `count` streams user ids and prints how many
 * the server knows; `chat` sends each line of input as a chat message and
 * prints the two replies.
 *
 * @module
 */
import { type Client, createChannel, createClient } from "../../lib/mod.ts";
import { int32Arg } from "../_shared/int32.ts";
import { clientMain, UsageError } from "../_shared/program.ts";
import { textFormat } from "../_shared/text_format.ts";
import { UserManager } from "./api.ts";

type Print = (text: string) => void;
type UserManagerClient = Client<typeof UserManager.methods>;

/** What the client does: count users among `ids`, or chat with the lines of `chat`. */
export type UserCommand =
  | { count: number[] }
  | { chat: AsyncIterable<string> | Iterable<string> };

async function countUsers(
  users: UserManagerClient,
  ids: number[],
  print: Print,
  signal?: AbortSignal,
): Promise<void> {
  print("call client streaming!!");
  function* requests() {
    for (const id of ids) {
      print(`user_id = ${id}`);
      yield { id };
    }
  }
  const response = await users.get_client_stream(requests(), { signal });
  print(textFormat(response));
}

// Like the tutorial's client, each message goes on a call of its own, whose
// replies are all printed before the next line is read.
async function chat(
  users: UserManagerClient,
  lines: AsyncIterable<string> | Iterable<string>,
  print: Print,
  signal?: AbortSignal,
): Promise<void> {
  print("--- Input your message -------");
  let id = 1;
  for await (const message of lines) {
    for await (const reply of users.connect_chat([{ id, message }], { signal })) {
      print(`Received message [id=${reply.id}, msg=${reply.message}]`);
    }
    id++;
  }
}

/** Runs `command` against the user manager at `target`, printing as the tutorial's client does. */
export async function runClient(
  target: string,
  print: Print,
  command: UserCommand,
  signal?: AbortSignal,
): Promise<void> {
  const channel = createChannel(target);
  try {
    const users = createClient(UserManager, channel);
    if ("count" in command) await countUsers(users, command.count, print, signal);
    else await chat(users, command.chat, print, signal);
  } finally {
    channel.close();
  }
}

/**
 * The lines of stdin. On a terminal each is asked for with `prompt`, once
 * the replies to the one before have been printed.
 */
async function* inputLines(prompt: string): AsyncGenerator<string> {
  const interactive = Deno.stdin.isTerminal();
  const chunks = Deno.stdin.readable.pipeThrough(new TextDecoderStream())[Symbol.asyncIterator]();
  let pending = "";
  for (;;) {
    if (interactive) await Deno.stdout.write(new TextEncoder().encode(prompt));
    let newline;
    while ((newline = pending.indexOf("\n")) < 0) {
      const { value, done } = await chunks.next();
      if (done) {
        if (pending !== "") yield pending;
        return;
      }
      pending += value;
    }
    yield pending.slice(0, newline).replace(/\r$/, "");
    pending = pending.slice(newline + 1);
  }
}

/** The command from the command line: `count [ID...]` (default ids 1 2 3) or `chat`. */
export function commandFrom(args: string[]): UserCommand {
  const [name, ...rest] = args;
  if (name === "count") return { count: rest.length > 0 ? rest.map(int32Arg) : [1, 2, 3] };
  if (name === "chat" && rest.length === 0) return { chat: inputLines("Input message >") };
  throw new UsageError(
    name === "chat" ? "chat takes no arguments" : 'give a command: "count [ID...]" or "chat"',
  );
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:user_manager:client",
      args: "count [ID...] | chat",
      about: "count: streams user ids (default: 1 2 3) to get_client_stream and prints the\n" +
        "        answer: how many of them the server knows.\n" +
        "chat:  sends each line of input to connect_chat and prints the two replies.",
      defaultPort: 1234,
      run: ({ target, args, signal }) => runClient(target, console.log, commandFrom(args), signal),
    }),
  );
}
