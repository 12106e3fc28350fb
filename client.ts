/**
 * The running-sum client. Streams numbers from stdin and prints each running
 * total, or adds one number, adds a batch, or watches the total.
 *
 * @module
 */
import {
  Failover,
  GrpcError,
  ReplayBuffer,
  resumable,
  retrying,
  type RetryOptions,
  Status,
} from "./lib/mod.ts";
import { UsageError } from "./cli/flags.ts";
import { describeFailure, endedAtSetup, isUnreachable, needsTlsProbe } from "./cli/failures.ts";
import { speaksTls as probeTls } from "./cli/tls_probe.ts";
import { quietGrpcLogs } from "./cli/grpc_logs.ts";
import { LineWriter } from "./cli/lines.ts";
import { denoVersionWarning } from "./cli/deno_version.ts";
import { versionText } from "./cli/invocation.ts";
import { type ClientConfig, clientConfig, clientUsage } from "./sum_cli/client_config.ts";
import { int32Problem, numbers, type NumberToken, tokens } from "./sum_cli/numbers.ts";
import { type RequestMessage, type SumMethods, SumService } from "./sum/api.ts";
import { CLIENT_WINDOW } from "./sum/ledger.ts";

/**
 * Numbers sent and not yet answered, at most: the numbers a server keeps the
 * totals of per client, so that every one of them can be resent. Deno 2.8.3's
 * node:http2 does not hold writes back by HTTP/2 flow control, so this window
 * is also what keeps a fast input from piling up in memory when the server is
 * slower.
 */
export const IN_FLIGHT_WINDOW = CLIENT_WINDOW;

/**
 * Failures after which numbers are resent: the server deduplicates them, so
 * any failure that is not an answer about the numbers themselves.
 */
const RESENDABLE: ReadonlySet<number> = new Set([
  Status.UNAVAILABLE,
  Status.UNKNOWN,
  Status.INTERNAL,
  Status.CANCELLED,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
]);

/**
 * HTTP/2 keepalive while calls are open: a server that is frozen, or behind
 * a network that went silent, sends nothing, and without pings a call would
 * wait for it for ever. A live server answers pings even while a slow commit
 * keeps its replies back, so slowness is not taken for death.
 */
function keepaliveOptions(keepaliveMs: number) {
  return {
    "grpc.keepalive_time_ms": keepaliveMs,
    "grpc.keepalive_timeout_ms": keepaliveMs,
  };
}

function isResendable(error: unknown): boolean {
  return error instanceof GrpcError && RESENDABLE.has(error.code);
}

/** Where the client reads and writes, and what interrupts it. */
export interface ClientIO {
  stdin: ReadableStream<Uint8Array>;
  stdout: WritableStream<Uint8Array>;
  stderr: WritableStream<Uint8Array>;
  /** Aborted by Ctrl-C: the call is cancelled and the exit status is 130. */
  signal: AbortSignal;
  /** Whether stdin is a terminal: the client then says how to type the numbers. */
  terminal?: boolean;
}

interface Session {
  servers: Failover<SumMethods>;
  /** How it connects, for messages: with TLS, and with a client certificate. */
  transport: { tls: boolean; clientCert: boolean };
  out: LineWriter;
  err: LineWriter;
  signal: AbortSignal;
  /** The id the server knows this run's numbers by; empty with --no-retry. */
  clientId: string;
  retry: RetryOptions;
  /** Whether some attempt failed after it may have reached the server. */
  reached: boolean;
  /**
   * Whether a server reset or ended a connection as it was set up: it is
   * there (replacing a worker, or restarting), so its failures are an outage
   * to ride out, not a wrong address.
   */
  serverThere: boolean;
  /** This run's sequence as the server is told it (see `sum.proto`'s `confirmed`). */
  sequence: {
    /** Every number up to this seq has had its reply. */
    confirmed: number;
    /** The last seq given to an attempt. */
    given: number;
    /** The last seq given to an attempt that failed after it may have reached a server. */
    maybeSent: number;
    /** The last seq given to an attempt the server answered "not applied". */
    refused: number;
  };
  /** Whether stdin is a terminal: a person types the numbers. */
  terminal: boolean;
}

/** Notes a failed attempt: whether it may have reached the server. */
function note(session: Session, error: unknown): void {
  if (error instanceof GrpcError && isUnreachable(error)) return;
  session.reached = true;
  // The server's answer that a change was not applied settles it, and on a
  // stream every number after it: a stream's numbers apply as a prefix.
  const { sequence } = session;
  if (error instanceof GrpcError && / not applied$/.test(error.details)) {
    sequence.refused = sequence.given;
  } else {
    sequence.maybeSent = sequence.given;
  }
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

async function run(args: string[], io: ClientIO, out: LineWriter, err: LineWriter) {
  if (args.includes("--version")) {
    out.line(versionText("client"));
    return 0;
  }
  const config = clientConfig(args);
  if (config === undefined) {
    out.line(clientUsage());
    return 0;
  }
  const { command, args: rest, targets, credentials } = config;
  const session: Session = {
    servers: new Failover(SumService, targets, {
      credentials,
      options: keepaliveOptions(config.keepaliveMs),
      // A server that accepts the connection and then says nothing is silent
      // the same way: given as long as a ping's round trip.
      connectTimeoutMs: 2 * config.keepaliveMs,
    }),
    transport: { tls: credentials !== undefined, clientCert: config.clientCert },
    out,
    err,
    signal: io.signal,
    clientId: config.retry ? crypto.randomUUID() : "",
    retry: {},
    reached: false,
    serverThere: false,
    sequence: { confirmed: 0, given: 0, maybeSent: 0, refused: 0 },
    terminal: io.terminal ?? false,
  };
  session.retry = retryOptions(session, config, io.signal);
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
    session.servers.close();
  }
}

/**
 * When the session's calls are retried: with --no-retry never; otherwise,
 * after any failure that is not an answer about the numbers, until
 * `--retry-for` runs out, saying so once per outage. Until a server has been
 * reached or has reset a connection, each is tried once: pointed at nothing,
 * the client fails fast.
 */
function retryOptions(session: Session, config: ClientConfig, signal: AbortSignal): RetryOptions {
  if (!config.retry) {
    return {
      retryable: (error) => {
        note(session, error);
        return false;
      },
    };
  }
  const { targets } = config;
  let unreached = 0;
  return {
    retryForMs: config.retryForMs,
    signal,
    retryable: (error) => {
      note(session, error);
      if (!isResendable(error) || signal.aborted) return false;
      if (error instanceof GrpcError && endedAtSetup(error)) session.serverThere = true;
      return session.reached || session.serverThere || ++unreached < targets.length;
    },
    onRetry: ({ error, failures }) => {
      if (failures > 1) return;
      const what = error instanceof GrpcError
        ? describeFailure(error, session.servers.target, session.transport)
        : String(error);
      session.err.line(
        `notice: ${what}; reconnecting${targets.length > 1 ? " to the next server" : ""} ` +
          `and resending what was not confirmed (for up to ${config.retryFor} s)`,
      );
    },
  };
}

function numbersText(count: number): string {
  return count === 1 ? "1 number" : `${count} numbers`;
}

/** The numbers of stdin as requests, counting bad tokens. */
function requestsFrom(
  stdin: ReadableStream<Uint8Array>,
  session: Session,
  { hold = true }: { hold?: boolean } = {},
) {
  let bad = 0;
  let read = 0;
  // Each bad token's message waits until the totals of the numbers read
  // before it are printed, so that stdout and stderr, on one terminal, show
  // them in the order they were typed.
  const held: Array<{ after: number; message: string }> = [];
  const onBad = (message: string) => {
    bad++;
    if (hold) held.push({ after: read, message });
    else session.err.line(message);
  };
  const parsed = numbers(tokens(stdin.pipeThrough(new TextDecoderStream())), onBad);
  async function* counted(): AsyncGenerator<NumberToken> {
    for await (const token of parsed) {
      read++;
      yield token;
    }
  }
  /**
   * Prints the held messages of bad tokens that came after at most
   * `answered` numbers, between the totals already printed and the next.
   */
  const printBadTokens = (answered = Infinity): Promise<void> | undefined => {
    if (held.length === 0 || held[0].after > answered) return undefined;
    return (async () => {
      await session.out.flush();
      while (held.length > 0 && held[0].after <= answered) session.err.line(held.shift()!.message);
      await session.err.flush();
    })();
  };
  return { input: counted(), badTokens: () => bad, printBadTokens };
}

/** A number of the input with its place in this run's sequence. */
interface Numbered extends NumberToken {
  seq: number;
}

async function* numbered(input: AsyncIterable<NumberToken>): AsyncGenerator<Numbered> {
  let seq = 0;
  for await (const token of input) yield { ...token, seq: ++seq };
}

/**
 * The requests of one attempt: the client id on the first, for the server
 * to know the rest by, and each number's place in the sequence; none of it
 * with --no-retry.
 */
async function* requestsOf(
  items: AsyncIterable<Numbered>,
  session: Session,
): AsyncGenerator<RequestMessage> {
  let first = true;
  for await (const { value, seq } of items) {
    session.sequence.given = Math.max(session.sequence.given, seq);
    yield session.clientId === "" ? { num: value } : sequenced(session, value, seq, first);
    first = false;
  }
}

/** The request of number `seq`, which tells the server what this run knows of it. */
function sequenced(session: Session, num: number, seq: number, first = true): RequestMessage {
  const { sequence, clientId } = session;
  return {
    num,
    ...first ? { client_id: clientId } : {},
    seq,
    confirmed: sequence.confirmed,
    resend: seq <= sequence.maybeSent,
  };
}

/** On attempts after the first, the next server, on a new channel. */
function clientFor(session: Session, attempt: number) {
  if (attempt > 1) session.servers.next();
  return session.servers.client;
}

async function streamSums(session: Session, stdin: ReadableStream<Uint8Array>) {
  const { input, badTokens, printBadTokens } = requestsFrom(stdin, session);
  if (session.terminal) {
    session.err.line(
      "Type integers, separated by spaces or newlines: each line is sent when you press Enter, " +
        "and its running totals are printed. Ctrl-D ends; Ctrl-C cancels.",
    );
  }
  const call = resumable(
    numbered(input),
    (items, { attempt, signal }) =>
      clientFor(session, attempt).SumServer(requestsOf(items, session), { signal }),
    { ...session.retry, window: IN_FLIGHT_WINDOW },
  );
  let total: number | undefined;
  try {
    for await (const { sum } of call) {
      total = sum;
      session.sequence.confirmed = call.answered;
      await session.out.line(String(sum));
      const reported = printBadTokens(call.answered);
      if (reported) await reported;
    }
  } catch (error) {
    note(session, error);
    await printBadTokens();
    const rejected = error instanceof GrpcError && error.code === Status.OUT_OF_RANGE;
    const read = call.unconfirmed();
    const unconfirmed = read.slice(0, call.sent - call.answered);
    const first = unconfirmed[0];
    if (!session.reached && call.answered === 0) {
      return failure(session, error, ["nothing was applied"]);
    }
    const progress = [
      `applied: ${numbersText(call.answered)}` + (total === undefined ? "" : ` (total ${total})`),
    ];
    if (rejected && first) {
      progress.push(`not applied: ${first.value} (line ${first.line}) and everything after it`);
    } else {
      // Numbers given only to attempts the server answered "not applied" were
      // not; those given only to attempts that reached no server, not sent.
      const { maybeSent, refused: refusedUpTo } = session.sequence;
      const unknown = unconfirmed.filter(({ seq }) => seq <= maybeSent);
      const refused = unconfirmed.filter(({ seq }) => seq > maybeSent && seq <= refusedUpTo);
      const reached = [...unknown, ...refused];
      if (unknown.length > 0) {
        progress.push(
          `unconfirmed: ${numbersText(unknown.length)} sent from line ${unknown[0].line} on, ` +
            `with no reply: they may or may not have been applied`,
        );
      }
      if (refused.length > 0) {
        progress.push(
          `not applied: ${numbersText(refused.length)} sent from line ${refused[0].line} on, ` +
            "refused by the server",
        );
      }
      if (!call.allRead || reached.length < read.length) {
        const lastSent = reached.at(-1) ?? call.lastAnswered;
        progress.push(
          lastSent ? `not sent: anything after line ${lastSent.line}` : "not sent: the input",
        );
      }
    }
    return failure(session, error, progress);
  }
  await printBadTokens();
  return badTokens() > 0 ? 1 : 0;
}

async function add(session: Session, text: string) {
  const problem = int32Problem(text);
  if (problem !== undefined) throw new UsageError(`"${text}" ${problem}`);
  const num = Number(text);
  const request = () => {
    session.sequence.given = 1;
    return session.clientId === "" ? { num } : sequenced(session, num, 1);
  };
  try {
    const { sum } = await retrying(
      (attempt) => clientFor(session, attempt).Add(request(), { signal: session.signal }),
      session.retry,
    );
    session.out.line(String(sum));
    return 0;
  } catch (error) {
    note(session, error);
    if (!session.reached) return failure(session, error, ["nothing was applied"]);
    // An attempt that failed with no answer about the number may have
    // applied it before its reply was lost, whatever the later ones said.
    return failure(session, error, [
      session.sequence.maybeSent > 0
        ? `unconfirmed: ${text} was sent with no reply: it may or may not have been applied`
        : `not applied: ${text}`,
    ]);
  }
}

async function addAll(session: Session, stdin: ReadableStream<Uint8Array>) {
  // No totals to keep them in order with: a bad token is reported at once.
  const { input, badTokens } = requestsFrom(stdin, session, { hold: false });
  if (session.terminal) {
    session.err.line(
      "Type the integers of the batch, separated by spaces or newlines; " +
        "Ctrl-D sends them all as one batch, Ctrl-C cancels it.",
    );
  }
  // The batch is one number of this run's sequence, sent whole on each attempt.
  const batch = new ReplayBuffer(numbered(input));
  try {
    const { sum } = await retrying(
      (attempt) =>
        clientFor(session, attempt).AddAll(
          requestsOf(batch.replay(session.signal), session),
          {
            signal: session.signal,
          },
        ),
      session.retry,
    );
    session.out.line(String(sum));
    return badTokens() > 0 ? 1 : 0;
  } catch (error) {
    note(session, error);
    // Applied only if an attempt that may have been applied sent it whole.
    const allSent = batch.done && batch.sent === batch.size && session.sequence.maybeSent > 0;
    const unknown = allSent && !(error instanceof GrpcError && error.code === Status.OUT_OF_RANGE);
    if (!session.reached) return failure(session, error, ["nothing was applied"]);
    return failure(session, error, [
      unknown
        ? "the batch was sent whole: it may or may not have been applied"
        : "nothing was applied (the batch is all or nothing)",
    ]);
  } finally {
    batch.close();
  }
}

/** Prints the total, then with `once` stops, else every new total. */
async function watch(session: Session, { once = false } = {}) {
  try {
    // With current_only the server ends the call once it has answered, so
    // the call ends OK rather than cancelled by the client.
    const request = { current_only: once };
    for await (const { sum } of session.servers.client.Watch(request, { signal: session.signal })) {
      await session.out.line(String(sum));
    }
    return 0;
  } catch (error) {
    return failure(session, error, [], false);
  }
}

/**
 * Reports a failed call with what was and was not applied; returns the exit
 * status. `retried`: the call was retried until the time ran out.
 */
async function failure(
  session: Session,
  error: unknown,
  progress: string[],
  retried = true,
): Promise<number> {
  if (!(error instanceof GrpcError)) throw error;
  const { err, servers, transport } = session;
  if (session.signal.aborted) {
    err.line("interrupted: call cancelled");
  } else {
    const speaksTls = needsTlsProbe(error, transport.tls)
      ? await probeTls(servers.target)
      : undefined;
    err.line(`error: ${describeFailure(error, servers.target, { ...transport, speaksTls })}`);
    const { retryForMs } = session.retry;
    if (retried && (session.reached || session.serverThere) && retryForMs && isResendable(error)) {
      err.line(`gave up after retrying for ${retryForMs / 1000} s`);
    }
  }
  for (const line of progress) err.line(line);
  return session.signal.aborted ? 130 : 1;
}

if (import.meta.main) {
  const warning = denoVersionWarning(Deno.version.deno);
  if (warning) console.error(warning);
  quietGrpcLogs();
  const interrupt = new AbortController();
  Deno.addSignalListener("SIGINT", () => interrupt.abort());
  const status = await runClient(Deno.args, {
    stdin: Deno.stdin.readable,
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
    signal: interrupt.signal,
    terminal: Deno.stdin.isTerminal(),
  });
  Deno.exit(status);
}
