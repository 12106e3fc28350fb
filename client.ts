/**
 * The running-sum client. Streams numbers from stdin and prints each running
 * total, or adds one number, adds a batch, or watches the total.
 *
 * @module
 */
import {
  channelCredentials,
  type Client,
  createChannel,
  createClient,
  GrpcError,
  Status,
} from "./lib/mod.ts";
import {
  addressFlags,
  fileFlag,
  hostPort,
  parseFlags,
  parseHost,
  parsePort,
  UsageError,
} from "./cli/flags.ts";
import { describeFailure, isUnreachable } from "./cli/failures.ts";
import { quietGrpcLogs } from "./cli/grpc_logs.ts";
import { LineWriter } from "./cli/lines.ts";
import { int32Problem, numbers, type NumberToken, tokens } from "./cli/numbers.ts";
import { type RequestMessage, type SumMethods, SumService } from "./sum/api.ts";

const USAGE = `Usage: deno task client [--host HOST] [--port PORT] [COMMAND]

Commands:
  (none)      stream numbers from stdin, printing the running total after each
  add N       add one number; print the new total
  add-all     add the numbers from stdin as one batch, all or nothing; print the new total
  watch       print the total, then every new total, until Ctrl-C
  total       print the current total, changing nothing

Numbers are integers within int32, separated by spaces or newlines. A bad token
is reported with its line number and skipped; the exit status is then 1.

Options:
  --host HOST   server host (default: localhost)
  --port PORT   server port (default: 50051)
  --tls         connect with TLS, trusting the system's root certificates
  --ca FILE     connect with TLS, trusting this CA certificate (PEM)
  --cert FILE   present this client certificate (PEM) for mutual TLS...
  --key FILE    ...with this private key (PEM)
  -h, --help    show this help

Exit status: 0 done, 1 the call failed or the input had bad tokens,
2 usage error, 130 interrupted (Ctrl-C).`;

/**
 * Numbers sent and not yet answered, at most. Deno 2.8.3's node:http2 does not
 * hold writes back by HTTP/2 flow control, so this window is what keeps a
 * fast input from piling up in memory when the server is slower.
 */
export const IN_FLIGHT_WINDOW = 4096;

/** Where the client reads and writes, and what interrupts it. */
export interface ClientIO {
  stdin: ReadableStream<Uint8Array>;
  stdout: WritableStream<Uint8Array>;
  stderr: WritableStream<Uint8Array>;
  /** Aborted by Ctrl-C: the call is cancelled and the exit status is 130. */
  signal: AbortSignal;
}

interface Session {
  client: Client<SumMethods>;
  target: string;
  /** Whether it connects with TLS. */
  tls: boolean;
  out: LineWriter;
  err: LineWriter;
  signal: AbortSignal;
}

/**
 * Runs the client with command-line `args`; resolves to the exit status.
 *
 * @example
 * ```ts ignore
 * const status = await runClient(["add", "5"], {
 *   stdin: Deno.stdin.readable,
 *   stdout: Deno.stdout.writable,
 *   stderr: Deno.stderr.writable,
 *   signal: new AbortController().signal,
 * });
 * ```
 */
export async function runClient(args: string[], io: ClientIO): Promise<number> {
  const out = new LineWriter(io.stdout);
  const err = new LineWriter(io.stderr);
  try {
    return await run(args, io, out, err);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.line(`error: ${error.message}`);
    err.line("run with --help for usage");
    return 2;
  } finally {
    await out.close();
    await err.close();
  }
}

const clientFlags = {
  ...addressFlags,
  tls: { type: "boolean", default: false },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

type ClientValues = ReturnType<typeof parseFlags<typeof clientFlags>>["values"];

function credentialsFrom({ tls, ca, cert, key }: ClientValues) {
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--cert and --key go together");
  }
  if (!tls && ca === undefined && cert === undefined) return undefined;
  return channelCredentials({
    ca: ca === undefined ? undefined : fileFlag("--ca", ca),
    cert: cert === undefined ? undefined : fileFlag("--cert", cert),
    key: key === undefined ? undefined : fileFlag("--key", key),
  });
}

async function run(args: string[], io: ClientIO, out: LineWriter, err: LineWriter) {
  const { values, positionals } = parseFlags(args, clientFlags);
  if (values.help) {
    out.line(USAGE);
    return 0;
  }
  const [command = "sum", ...rest] = positionals;
  const expected = command === "add" ? 1 : 0;
  if (!["sum", "add", "add-all", "watch", "total"].includes(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  if (rest.length !== expected) {
    throw new UsageError(
      command === "add" ? "add takes one number" : `${command} takes no arguments`,
    );
  }
  const target = hostPort(parseHost(values.host), parsePort(values.port));
  const credentials = credentialsFrom(values);
  const channel = createChannel(target, { credentials });
  const session = {
    client: createClient(SumService, channel),
    target,
    tls: credentials !== undefined,
    out,
    err,
    signal: io.signal,
  };
  try {
    switch (command) {
      case "add":
        return await add(session, rest[0]);
      case "add-all":
        return await addAll(session, io.stdin);
      case "watch":
        return await watch(session);
      case "total":
        return await watch(session, { once: true });
      default:
        return await streamSums(session, io.stdin);
    }
  } finally {
    channel.close();
  }
}

/** The numbers sent and not yet answered, oldest first. */
class InFlight {
  #sent: NumberToken[] = [];
  #head = 0;

  get size(): number {
    return this.#sent.length - this.#head;
  }

  get first(): NumberToken | undefined {
    return this.#sent[this.#head];
  }

  push(token: NumberToken): void {
    this.#sent.push(token);
  }

  shift(): void {
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#sent.length) {
      this.#sent = this.#sent.slice(this.#head);
      this.#head = 0;
    }
  }
}

function numbersText(count: number): string {
  return count === 1 ? "1 number" : `${count} numbers`;
}

/** The numbers of stdin as requests, counting bad tokens. */
function requestsFrom(stdin: ReadableStream<Uint8Array>, session: Session) {
  let bad = 0;
  const onBad = (message: string) => {
    bad++;
    session.err.line(message);
  };
  const input = numbers(tokens(stdin.pipeThrough(new TextDecoderStream())), onBad);
  return { input, badTokens: () => bad };
}

async function streamSums(session: Session, stdin: ReadableStream<Uint8Array>) {
  const { input, badTokens } = requestsFrom(stdin, session);
  const inFlight = new InFlight();
  let lastSent = 0;
  let allSent = false;
  let applied = 0;
  let total: number | undefined;
  let windowOpen: PromiseWithResolvers<void> | undefined;
  async function* requests(): AsyncGenerator<RequestMessage> {
    for await (const token of input) {
      if (inFlight.size >= IN_FLIGHT_WINDOW) {
        windowOpen = Promise.withResolvers();
        await windowOpen.promise;
      }
      inFlight.push(token);
      lastSent = token.line;
      yield { num: token.value };
    }
    allSent = true;
  }
  try {
    for await (const { sum } of session.client.SumServer(requests(), { signal: session.signal })) {
      applied++;
      total = sum;
      inFlight.shift();
      windowOpen?.resolve();
      await session.out.line(String(sum));
    }
  } catch (error) {
    const rejected = error instanceof GrpcError && error.code === Status.OUT_OF_RANGE;
    const first = inFlight.first;
    const progress = [
      `applied: ${numbersText(applied)}` + (total === undefined ? "" : ` (total ${total})`),
    ];
    if (rejected && first) {
      progress.push(`not applied: ${first.value} (line ${first.line}) and everything after it`);
    } else {
      if (first) {
        progress.push(
          `unconfirmed: ${numbersText(inFlight.size)} sent from line ${first.line} on, ` +
            `with no reply: they may or may not have been applied`,
        );
      }
      if (!allSent) {
        progress.push(
          lastSent === 0 ? "not sent: the input" : `not sent: anything after line ${lastSent}`,
        );
      }
    }
    return failure(session, error, progress);
  }
  return badTokens() > 0 ? 1 : 0;
}

async function add(session: Session, text: string) {
  const problem = int32Problem(text);
  if (problem !== undefined) throw new UsageError(`"${text}" ${problem}`);
  try {
    const { sum } = await session.client.Add({ num: Number(text) }, { signal: session.signal });
    session.out.line(String(sum));
    return 0;
  } catch (error) {
    return failure(session, error, []);
  }
}

async function addAll(session: Session, stdin: ReadableStream<Uint8Array>) {
  const { input, badTokens } = requestsFrom(stdin, session);
  let allSent = false;
  async function* requests(): AsyncGenerator<RequestMessage> {
    for await (const { value } of input) yield { num: value };
    allSent = true;
  }
  try {
    const { sum } = await session.client.AddAll(requests(), { signal: session.signal });
    session.out.line(String(sum));
    return badTokens() > 0 ? 1 : 0;
  } catch (error) {
    const unknown = allSent && !(error instanceof GrpcError && error.code === Status.OUT_OF_RANGE);
    return failure(session, error, [
      unknown
        ? "the batch was sent whole: it may or may not have been applied"
        : "nothing was applied (the batch is all or nothing)",
    ]);
  }
}

/** Prints the total, then with `once` stops, else every new total. */
async function watch(session: Session, { once = false } = {}) {
  try {
    for await (const { sum } of session.client.Watch({}, { signal: session.signal })) {
      await session.out.line(String(sum));
      if (once) break;
    }
    return 0;
  } catch (error) {
    return failure(session, error, []);
  }
}

/** Reports a failed call with what was and was not applied; returns the exit status. */
function failure(session: Session, error: unknown, progress: string[]): number {
  if (!(error instanceof GrpcError)) throw error;
  const { err, target } = session;
  if (isUnreachable(error)) {
    err.line(`error: ${describeFailure(error, target, { tls: session.tls })}`);
    err.line("nothing was applied");
    return 1;
  }
  err.line(session.signal.aborted ? "interrupted: call cancelled" : `error: ${error.message}`);
  for (const line of progress) err.line(line);
  return session.signal.aborted ? 130 : 1;
}

if (import.meta.main) {
  quietGrpcLogs();
  const interrupt = new AbortController();
  Deno.addSignalListener("SIGINT", () => interrupt.abort());
  const status = await runClient(Deno.args, {
    stdin: Deno.stdin.readable,
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
    signal: interrupt.signal,
  });
  Deno.exit(status);
}
