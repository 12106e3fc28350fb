/**
 * The running-sum server's command line: its usage text and its flags (and
 * `SUM_STORE`) turned into a {@linkcode ServerConfig}.
 *
 * @module
 */
import type { ServerOptions, ServerTlsOptions } from "../lib/mod.ts";
import {
  addressFlags,
  choiceFlag,
  fileFlag,
  numberFlag,
  parseFlags,
  parseHost,
  parsePort,
  UsageError,
} from "../cli/flags.ts";
import { type Env, invocationDir, taskCommand } from "../cli/invocation.ts";
import { isAbsolute, resolve } from "node:path";
import { DEFAULT_STORE, parseStoreUrl, type StoreSpec, StoreUrlError } from "../sum/store_url.ts";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "../cli/log.ts";

/**
 * The server program's usage text, naming the command that runs it as the
 * user started it (`deno task server`, or through npx).
 */
export function serverUsage(command: string = taskCommand("server")): string {
  return `Usage: ${command} [OPTIONS]

Serves sum.SumService: one running total, shared by every client, with gRPC
health checking and server reflection. Prints "listening on HOST:PORT" once
ready; logs one line per call on stderr.

Options:
  --store URL                 where the total is kept (default: $SUM_STORE,
                              else sqlite:sum.db):
                                sqlite:PATH  a file; survives restarts and
                                  power loss (?synchronous=normal: a crash of
                                  the server, not of the machine; faster)
                                memory       starts at 0, gone on exit
                                redis://HOST:PORT[/DB]  one total shared by
                                  every server using it (?prefix=P: its keys
                                  start with P, default sum:); with a user
                                  and password, redis://USER:PASSWORD@HOST;
                                  over TLS, rediss:// (?ca=FILE: the CA to
                                  trust; &cert=FILE&key=FILE: a client
                                  certificate)
  --client-expiry SECONDS     how long the server remembers a client's numbers
                              after its last one, so that a number resent
                              within that time is not applied twice
                              (default: 3600)
  --max-clients N             clients it remembers at once; a new one past
                              that is refused with RESOURCE_EXHAUSTED until
                              some expire (default: 100000)
  --host HOST                 interface to listen on (default: localhost;
                              0.0.0.0 or :: for all)
  --port PORT                 port (default: 50051; 0 picks a free one)
  --grace SECONDS             on SIGINT/SIGTERM, how long open calls may still
                              run (default: 5)
  --workers N                 serving processes, all on the one port, under
                              one supervisor, sharing the store (default: one
                              a core, up to 8; 1 with memory, which one
                              process holds)
  --worker-max-connections N  replace a worker after it has accepted this many
                              connections: a new one listens first, the old
                              one drains (default: 2000)
  --worker-max-rss MIB        ...or once its memory passes this (default: 1024;
                              at least 256: a new worker takes about 120)
  --tls-cert FILE             serve TLS with this certificate chain (PEM)...
  --tls-key FILE              ...and this private key (PEM)
  --client-ca FILE            require client certificates issued by this CA
                              (mutual TLS)
  --max-message-bytes N       largest request accepted (default: 4194304)
  --max-streams N             concurrent calls per connection (default: 100)
  --max-watchers N            Watch calls open at once; more are refused with
                              RESOURCE_EXHAUSTED (default: 1000)
  --max-connections N         connections held at once; more are closed as
                              soon as accepted (default: 921, for the usual
                              ulimit -n of 1024; set it to nine tenths of a
                              higher one)
  --keepalive SECONDS         ping idle connections this often (default: 60)
  --keepalive-timeout SECONDS drop a connection whose ping is not answered in
                              time (default: 20)
  --max-connection-age SECONDS  ask clients to reconnect after this long, for
                              load balancing (default: 0, never)
  --max-connection-age-grace SECONDS  then how long calls open on the
                              connection may still run before they end with
                              UNAVAILABLE, which clients retry (default: 5)
  --log-level LEVEL           debug, info, warn or error (default: info)
  --log-format FORMAT         text or json (default: text)
  --call-log-rate N           log at most N calls a second; the rest are
                              counted in one line a second (default: 1000)
  --version                   print the version
  -h, --help                  show this help`;
}

/** Everything the server program was asked for. */
export interface ServerConfig {
  host: string;
  port: number;
  /** The store, as named. */
  store: StoreSpec;
  /** How long a client's record of applied numbers is kept after its last one. */
  clientExpiryMs: number;
  /** Clients whose records are kept at once, at most. */
  maxClients: number;
  graceMs: number;
  /** Connections end after this long (0: never)… */
  maxConnectionAgeMs: number;
  /** …and their calls this long after that. */
  maxConnectionAgeGraceMs: number;
  tls?: ServerTlsOptions;
  /** grpc-js server options carrying the limits. */
  options: ServerOptions;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Call log lines a second, at most. */
  callLogRate: number;
  /** Watch calls open at once, at most. */
  maxWatchers: number;
  /** Connections held at once, at most; undefined for lib's default. */
  maxConnections?: number;
  /** Serving processes asked for; undefined for the default, one a core (`workerPlan`). */
  workers?: number;
  /** A worker is replaced after accepting this many connections… */
  workerMaxConnections: number;
  /** …or once its resident memory passes this many bytes. */
  workerMaxRssBytes: number;
}

const serverFlags = {
  ...addressFlags(),
  store: { type: "string" },
  "client-expiry": { type: "string", default: "3600" },
  "max-clients": { type: "string", default: "100000" },
  grace: { type: "string", default: "5" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "client-ca": { type: "string" },
  "max-message-bytes": { type: "string", default: String(4 * 1024 * 1024) },
  "max-streams": { type: "string", default: "100" },
  "max-watchers": { type: "string", default: "1000" },
  "max-connections": { type: "string" },
  keepalive: { type: "string", default: "60" },
  "keepalive-timeout": { type: "string", default: "20" },
  "max-connection-age": { type: "string", default: "0" },
  "max-connection-age-grace": { type: "string", default: "5" },
  "log-level": { type: "string", default: "info" },
  "log-format": { type: "string", default: "text" },
  "call-log-rate": { type: "string", default: "1000" },
  workers: { type: "string" },
  "worker-max-connections": { type: "string", default: "2000" },
  "worker-max-rss": { type: "string", default: "1024" },
} as const;

const DAY = 86_400;

function tlsFrom(
  values: { "tls-cert"?: string; "tls-key"?: string; "client-ca"?: string },
  env: Env,
) {
  const { "tls-cert": cert, "tls-key": key, "client-ca": clientCa } = values;
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new UsageError("--client-ca needs --tls-cert and --tls-key");
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  return {
    cert: fileFlag("--tls-cert", cert, env),
    key: fileFlag("--tls-key", key, env),
    clientCa: clientCa === undefined ? undefined : fileFlag("--client-ca", clientCa, env),
  };
}

function storeFrom(flag: string | undefined, env: Env) {
  const named = flag ?? (env("SUM_STORE") || undefined);
  const source = flag !== undefined ? "--store" : "SUM_STORE";
  let store: StoreSpec;
  try {
    store = parseStoreUrl(named ?? DEFAULT_STORE);
  } catch (error) {
    if (!(error instanceof StoreUrlError)) throw error;
    throw new UsageError(`${source}: ${error.message}`);
  }
  // A file the user named is where they meant it; the default sum.db stays
  // in the server's folder, the one place its task may write.
  const dir = invocationDir(env);
  const from = (path: string) => resolve(dir, path);
  if (store.kind === "redis" && store.tls) {
    const { ca, cert, key } = store.tls;
    return {
      ...store,
      tls: {
        ...ca ? { ca: from(ca) } : {},
        ...cert && key ? { cert: from(cert), key: from(key) } : {},
      },
    };
  }
  if (named === undefined || store.kind !== "sqlite" || isAbsolute(store.path)) return store;
  return dir === Deno.cwd() ? store : { ...store, path: from(store.path) };
}

/**
 * The server's configuration from its arguments and `SUM_STORE` (read through
 * `env`); `undefined` when help was asked for.
 */
export function serverConfig(
  args: string[],
  env: Env = () => undefined,
): ServerConfig | undefined {
  const { values, positionals } = parseFlags(args, serverFlags);
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const seconds = (name: keyof typeof values, max = DAY) =>
    numberFlag(`--${name}`, String(values[name]), { min: 0, max }) * 1000;
  const graceMs = seconds("grace");
  const options: ServerOptions = {
    "grpc.max_receive_message_length": numberFlag(
      "--max-message-bytes",
      values["max-message-bytes"],
      { min: 1, max: 2 ** 31 - 1, integer: true },
    ),
    "grpc.max_concurrent_streams": numberFlag("--max-streams", values["max-streams"], {
      min: 1,
      max: 2 ** 31 - 1,
      integer: true,
    }),
    "grpc.keepalive_time_ms": seconds("keepalive") || 2 ** 31 - 1,
    "grpc.keepalive_timeout_ms": seconds("keepalive-timeout"),
  };
  return {
    host: parseHost(values.host),
    port: parsePort(values.port),
    store: storeFrom(values.store, env),
    clientExpiryMs: Math.round(
      numberFlag("--client-expiry", values["client-expiry"], { min: 0.001, max: 30 * DAY }) * 1000,
    ),
    maxClients: numberFlag("--max-clients", values["max-clients"], {
      min: 1,
      max: 100_000_000,
      integer: true,
    }),
    graceMs,
    maxConnectionAgeMs: seconds("max-connection-age"),
    maxConnectionAgeGraceMs: seconds("max-connection-age-grace"),
    tls: tlsFrom(values, env),
    options,
    logLevel: choiceFlag("--log-level", values["log-level"], LOG_LEVELS),
    logFormat: choiceFlag("--log-format", values["log-format"], ["text", "json"] as const),
    maxConnections: values["max-connections"] === undefined
      ? undefined
      : numberFlag("--max-connections", values["max-connections"], {
        min: 1,
        max: 10_000_000,
        integer: true,
      }),
    maxWatchers: numberFlag("--max-watchers", values["max-watchers"], {
      min: 0,
      max: 1_000_000,
      integer: true,
    }),
    callLogRate: numberFlag("--call-log-rate", values["call-log-rate"], {
      min: 1,
      max: 1_000_000,
      integer: true,
    }),
    workers: values.workers === undefined
      ? undefined
      : numberFlag("--workers", values.workers, { min: 1, max: 1024, integer: true }),
    workerMaxConnections: numberFlag(
      "--worker-max-connections",
      values["worker-max-connections"],
      { min: 1, max: 1_000_000_000, integer: true },
    ),
    // A limit a new worker is near would have workers replaced as fast as
    // they start.
    workerMaxRssBytes: numberFlag("--worker-max-rss", values["worker-max-rss"], {
      min: 256,
      max: 1024 * 1024,
      integer: true,
    }) * 1024 * 1024,
  };
}
