/**
 * The contact server: answers each status a client sends, pushes tasks to
 * every registered client as they appear, and prints each confirmation.
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { Contact } from "./api.ts";
import { TaskList } from "./tasks.ts";

/** A running contact server and its task list. */
export interface ContactServer extends StartedServer {
  /** Tasks added here reach every client registered with `getTask`. */
  tasks: TaskList;
}

/** Options of {@linkcode startServer}. */
export interface ContactOptions {
  /** Where the server's lines go. Default `console.log`. */
  print?: (text: string) => void;
  /** Adds ten random tasks at once and then at this interval, in ms. Default: never. */
  batchEveryMs?: number;
}

/** Ten tasks numbered at random from 100 to 200, as the tutorial makes them. */
export function randomTasks(): string[] {
  return Array.from({ length: 10 }, () => `task: ${100 + Math.floor(Math.random() * 101)}`);
}

/** Starts a contact server at `address`. */
export async function startServer(
  address: Address = {},
  { print = console.log, batchEveryMs }: ContactOptions = {},
): Promise<ContactServer> {
  const tasks = new TaskList();
  const server = new GrpcServer();
  server.add(Contact, {
    async *sendStatus(messages) {
      for await (const { msg } of messages) yield { ret: `server received message: ${msg}` };
    },

    // The client's registration: the call stays open, and the server writes
    // a task to it whenever one appears, until the client leaves or the
    // server shuts down.
    async *getTask(_registration, { signal }) {
      print("client online: sending it tasks");
      for await (const task of tasks.follow(AbortSignal.any([signal, server.draining]))) {
        yield { task };
        print(`sent task to the client: ${task}`);
      }
    },

    async tellResult(results) {
      for await (const { ret } of results) print(`the client confirmed: ${ret}`);
      return {};
    },
  });
  const started = await listen(server, address);
  if (batchEveryMs !== undefined) {
    tasks.add(...randomTasks());
    const timer = setInterval(() => tasks.add(...randomTasks()), batchEveryMs);
    server.draining.addEventListener("abort", () => clearInterval(timer));
  }
  return { ...started, tasks };
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:contact:server",
      about: "Serves Contact (contact.proto): answers statuses, pushes ten random tasks\n" +
        "to registered clients now and every 40 s, and prints their confirmations.",
      defaultPort: 50051,
      start: (address) => startServer(address, { batchEveryMs: 40_000 }),
    }),
  );
}
