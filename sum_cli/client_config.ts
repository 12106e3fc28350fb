/**
 * The running-sum client's command line: its usage text, and its command and
 * flags turned into a {@linkcode ClientConfig}.
 *
 * @module
 */
import { type ChannelCredentials, channelCredentials, TlsOptionsError } from "../lib/mod.ts";
import {
  fileFlag,
  hostPort,
  numberFlag,
  parseFlags,
  parseHost,
  parsePort,
  parseServers,
  UsageError,
} from "../cli/flags.ts";
import { taskCommand } from "../cli/invocation.ts";

/**
 * The client program's usage text, naming the command that runs it as the
 * user started it (`deno task client`, or through npx).
 */
export function clientUsage(command: string = taskCommand("client")): string {
  return `Usage: ${command} [OPTIONS] [COMMAND]

Commands:
  (none)      stream numbers from stdin, printing the running total after each
  add N       add one number; print the new total
  add-all     add the numbers from stdin as one batch, all or nothing; print the new total
  watch       print the total, then every new total, until Ctrl-C
  total       print the current total, changing nothing

Numbers are integers within int32, separated by spaces or newlines. A bad token
is reported with its line number and skipped; the exit status is then 1.

Each number counts exactly once: when a server goes away mid-call, the client
says so on stderr, reconnects (to the next server, if given several), and
resends what was not confirmed; the server applies nothing twice.

Options:
  --host HOST          server host (default: localhost)
  --port PORT          server port (default: 50051)
  --server HOST:PORT   a server to use, instead of --host and --port; give it
                       more than once, or a comma-separated list, for servers
                       sharing one total (Redis): after a failure the client
                       moves to the next
  --retry-for SECONDS  give up once calls have failed for this long without
                       progress (default: 30)
  --no-retry           stop at the first failure, reporting what may or may
                       not have been applied
  --keepalive SECONDS  while a call is open, ping a server that sent nothing
                       for this long, and count it as failed if the ping is
                       not answered within as long again (default: 10)
  --tls                connect with TLS, trusting the system's root certificates
  --ca FILE            connect with TLS, trusting this CA certificate (PEM)
  --cert FILE          present this client certificate (PEM) for mutual TLS...
  --key FILE           ...with this private key (PEM)
  --version            print the version
  -h, --help           show this help

Exit status: 0 done, 1 the call failed or the input had bad tokens,
2 usage error, 130 interrupted (Ctrl-C).`;
}

/** What the client does. */
export type Command = "sum" | "add" | "add-all" | "watch" | "total";

const COMMANDS: readonly string[] = ["sum", "add", "add-all", "watch", "total"];

/** Everything the client program was asked for. */
export interface ClientConfig {
  /** `sum` (no command: stream stdin) or the command given. */
  command: Command;
  /** The command's arguments: `add`'s number, as typed. */
  args: string[];
  /** `host:port` of each server, in the order to try them. */
  targets: string[];
  /** TLS credentials, if any TLS flag was given. */
  credentials: ChannelCredentials | undefined;
  /** Whether a client certificate was given (--cert), for messages about the handshake. */
  clientCert: boolean;
  /** Whether failed calls are retried (no `--no-retry`). */
  retry: boolean;
  /** How long calls may fail without progress before the client gives up. */
  retryForMs: number;
  /** `--retry-for` as given, in seconds, for messages. */
  retryFor: string;
  /** How long a silent server may take to answer before it is pinged, and then to answer the ping. */
  keepaliveMs: number;
}

const clientFlags = {
  host: { type: "string" },
  port: { type: "string" },
  server: { type: "string", multiple: true },
  "retry-for": { type: "string", default: "30" },
  "no-retry": { type: "boolean", default: false },
  keepalive: { type: "string", default: "10" },
  tls: { type: "boolean", default: false },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

type ClientValues = ReturnType<typeof parseFlags<typeof clientFlags>>["values"];

function targetsFrom({ host, port, server }: ClientValues): string[] {
  if (server === undefined) {
    return [hostPort(parseHost(host ?? "localhost"), parsePort(port ?? "50051"))];
  }
  if (host !== undefined || port !== undefined) {
    throw new UsageError("--server replaces --host and --port: give one or the other");
  }
  return parseServers(server);
}

function credentialsFrom({ tls, ca, cert, key }: ClientValues) {
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--cert and --key go together");
  }
  if (!tls && ca === undefined && cert === undefined) return undefined;
  try {
    return channelCredentials({
      ca: ca === undefined ? undefined : fileFlag("--ca", ca),
      cert: cert === undefined ? undefined : fileFlag("--cert", cert),
      key: key === undefined ? undefined : fileFlag("--key", key),
    });
  } catch (error) {
    if (!(error instanceof TlsOptionsError)) throw error;
    const flags = /\bCA\b/.test(error.message) ? "--ca" : "--cert and --key";
    throw new UsageError(`cannot connect with TLS with ${flags}: ${error.message}`);
  }
}

/**
 * The client's configuration from its arguments; `undefined` when help was
 * asked for. Mistakes are {@linkcode UsageError}s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientConfig } from "./client_config.ts";
 * const config = clientConfig(["add", "5", "--server", "a:1,b:2"]);
 * assert.equal(config?.command, "add");
 * assert.deepEqual(config?.args, ["5"]);
 * assert.deepEqual(config?.targets, ["a:1", "b:2"]);
 * assert.equal(config?.retryForMs, 30_000);
 * ```
 */
export function clientConfig(args: string[]): ClientConfig | undefined {
  const { values, positionals } = parseFlags(args, clientFlags);
  if (values.help) return undefined;
  const [command = "sum", ...rest] = positionals;
  const expected = command === "add" ? 1 : 0;
  if (!COMMANDS.includes(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  if (rest.length !== expected) {
    throw new UsageError(
      command === "add" ? "add takes one number" : `${command} takes no arguments`,
    );
  }
  const targets = targetsFrom(values);
  const credentials = credentialsFrom(values);
  const retryForMs = numberFlag("--retry-for", values["retry-for"], { min: 0, max: 86_400 }) * 1000;
  return {
    command: command as Command,
    args: rest,
    targets,
    credentials,
    clientCert: values.cert !== undefined,
    retry: !values["no-retry"],
    retryForMs,
    retryFor: values["retry-for"],
    keepaliveMs: numberFlag("--keepalive", values.keepalive, { min: 0.1, max: 3_600 }) * 1000,
  };
}
