/**
 * The contact client: reports its status, registers for tasks, confirms
 * each task it receives, and reconnects when the connection is lost.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Client, createChannel, createClient, GrpcError } from "../../lib/mod.ts";
import { describeFailure } from "../../cli/failures.ts";
import { clientMain } from "../_shared/program.ts";
import { Contact, type Result, type ServerMsg } from "./api.ts";

type Print = (text: string) => void;
type ContactClient = Client<typeof Contact.methods>;

/** Options of {@linkcode runClient}. */
export interface ContactClientOptions {
  /** The status messages to send on each connection. Default: fifteen random ones. */
  status?: () => string[];
  /** The wait before reconnecting, in milliseconds. Default 2,000. */
  retryMs?: number;
  signal?: AbortSignal;
}

/** Fifteen status messages numbered at random from 1 to 20, as the tutorial makes them. */
export function randomStatus(): string[] {
  return Array.from({ length: 15 }, () => `data: ${1 + Math.floor(Math.random() * 20)}`);
}

async function sendStatus(
  contact: ContactClient,
  messages: string[],
  print: Print,
  signal?: AbortSignal,
): Promise<void> {
  const requests = messages.map((msg) => ({ msg }));
  for await (const { ret } of contact.sendStatus(requests, { signal })) print(ret);
}

/** Prints each task pushed by the server and confirms it. */
async function* confirm(tasks: AsyncIterable<ServerMsg>, print: Print): AsyncGenerator<Result> {
  for await (const { task } of tasks) {
    print(`client received task from the server: ${task}`);
    yield { ret: `client received task: ${task}` };
  }
}

/**
 * One connection: sends `status` with `sendStatus`, and meanwhile registers
 * with `getTask` and streams a confirmation of each task to `tellResult`.
 * Ends when the server ends the task stream; fails when any of its calls
 * does, or when `signal` aborts. The session has one signal for all its
 * calls: the first failure cancels the others, and the session ends only
 * once every call has, so that none outlives it.
 */
export async function runSession(
  target: string,
  print: Print,
  status: string[],
  signal?: AbortSignal,
): Promise<void> {
  const session = new AbortController();
  const sessionSignal = signal ? AbortSignal.any([signal, session.signal]) : session.signal;
  let failure: { error: unknown } | undefined;
  const endsSession = (call: Promise<unknown>) =>
    call.catch((error) => {
      failure ??= { error };
      session.abort();
    });
  const channel = createChannel(target);
  try {
    const contact = createClient(Contact, channel);
    const tasks = contact.getTask({}, { signal: sessionSignal });
    await Promise.all([
      endsSession(sendStatus(contact, status, print, sessionSignal)),
      endsSession(contact.tellResult(confirm(tasks, print), { signal: sessionSignal })),
    ]);
  } finally {
    session.abort();
    channel.close();
  }
  if (failure) throw failure.error;
}

/**
 * Runs sessions with the contact server at `target` until `signal` aborts,
 * waiting `retryMs` between them, as the tutorial's client does.
 */
export async function runClient(
  target: string,
  print: Print,
  { status = randomStatus, retryMs = 2000, signal }: ContactClientOptions = {},
): Promise<never> {
  for (;;) {
    try {
      await runSession(target, print, status(), signal);
    } catch (error) {
      if (signal?.aborted || !(error instanceof GrpcError)) throw error;
      print(`server connected out, please retry: ${describeFailure(error, target)}`);
    }
    await sleep(retryMs, undefined, { signal });
  }
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:contact:client",
      about: "Sends fifteen status messages, then prints and confirms each task the server\n" +
        "pushes, reconnecting every 2 s while the server is away, until Ctrl-C.",
      defaultPort: 50051,
      run: ({ target, signal }) => runClient(target, console.log, { signal }),
    }),
  );
}
