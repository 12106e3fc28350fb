import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Env, userPath } from "./invocation.ts";

/**
 * `host:port`, with an IPv6 host in brackets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPort } from "./flags.ts";
 * assert.equal(hostPort("::1", 50051), "[::1]:50051");
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A mistake in the command line: reported in one line, with exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Reports a {@linkcode UsageError} on stderr as every program here does (the
 * message, then a hint) and returns exit status 2; rethrows anything else.
 *
 * @example
 * ```ts ignore
 * try {
 *   run(args);
 * } catch (error) {
 *   Deno.exit(usageFailure(error));
 * }
 * ```
 */
export function usageFailure(error: unknown): number {
  if (!(error instanceof UsageError)) throw error;
  console.error(`error: ${error.message}\nrun with --help for usage`);
  return 2;
}

/**
 * What `parse` makes of a program's arguments, or the exit status to stop
 * with: 0 once `usage` is printed (`parse` gives `undefined` for `--help`),
 * 2 for a {@linkcode UsageError}, reported by {@linkcode usageFailure}.
 *
 * @example
 * ```ts ignore
 * const config = parsedOrStatus(() => serverConfig(args), serverUsage());
 * if (typeof config === "number") return config;
 * ```
 */
export function parsedOrStatus<T extends object>(
  parse: () => T | undefined,
  usage: string,
): T | number {
  try {
    const parsed = parse();
    if (parsed !== undefined) return parsed;
    console.log(usage);
    return 0;
  } catch (error) {
    return usageFailure(error);
  }
}

/**
 * The flags every program here has: where the server is (`--host`, `--port`,
 * with these defaults), and `--help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressFlags, parseFlags } from "./flags.ts";
 * const { values } = parseFlags([], addressFlags({ port: 50052 }));
 * assert.deepEqual({ ...values }, { host: "localhost", port: "50052", help: false });
 * ```
 */
export function addressFlags({ host = "localhost", port = 50051 } = {}) {
  return {
    host: { type: "string", default: host },
    port: { type: "string", default: String(port) },
    help: { type: "boolean", short: "h", default: false },
  } as const;
}

// Node's parseArgs reads "-5" as an option; here no option is named by a digit,
// so such a word is a (negative) number. It is marked for the parse with a
// character no command-line word can hold, and unmarked after.
const NEGATIVE_NUMBER = /^-[\d.]/;
const MARK = "\0";
const unmark = (word: string) => word.startsWith(MARK) ? word.slice(1) : word;

/** parseArgs' error as one line: its messages run to three, with hints that do not apply here. */
function usageMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = message.match(/^Unknown option '(.+?)'(\.|$)/m);
  if (unknown) return `unknown option ${unknown[1]}`;
  const option = message.match(/^Option '(?:-\w, )?(-[^ ']+)/)?.[1];
  if (option && message.includes("argument is ambiguous")) {
    return `${option} needs a value (for one that starts with "-", write ${option}=VALUE)`;
  }
  if (option && message.includes("argument missing")) return `${option} needs a value`;
  if (option && message.includes("does not take an argument")) return `${option} takes no value`;
  return message.split("\n")[0];
}

/**
 * `parseArgs` in strict mode, its errors turned into {@linkcode UsageError}s;
 * a negative number is an argument, not an option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressFlags, parseFlags } from "./flags.ts";
 * assert.equal(parseFlags(["--port", "0"], addressFlags()).values.port, "0");
 * assert.deepEqual(parseFlags(["add", "-5"], addressFlags()).positionals, ["add", "-5"]);
 * ```
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  const marked = args.map((word) => NEGATIVE_NUMBER.test(word) ? MARK + word : word);
  let parsed;
  try {
    parsed = parseArgs({ args: marked, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string") values[name] = unmark(value);
    else if (Array.isArray(value)) values[name] = value.map(unmark);
  }
  return { values: parsed.values, positionals: parsed.positionals.map(unmark) };
}

/**
 * A host from the text of `--host`: a name, an IPv4 address, or an IPv6
 * address, bracketed or not. A port or a scheme in it is a usage error that
 * says what to write instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHost } from "./flags.ts";
 * assert.equal(parseHost("::1"), "::1");
 * assert.throws(() => parseHost("localhost:50051"), /write --host localhost --port 50051/);
 * ```
 */
export function parseHost(text: string): string {
  const withPort = text.match(/^(\[[^\]]*\]|[^:\[\]]*):(\d+)$/);
  if (withPort) {
    const host = withPort[1].replace(/^\[(.*)\]$/, "$1");
    throw new UsageError(
      `--host takes a host, not "${text}": write --host ${host} --port ${withPort[2]}`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(`--host takes a host, not a URL ("${text}")`);
  }
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (bare === "" || /[\s/\\@?#\[\]]/.test(bare)) {
    throw new UsageError(`--host must be a host name or an IP address, not "${text}"`);
  }
  return bare;
}

/**
 * The servers `--server` names: each value `HOST:PORT`, or several of them
 * separated by commas; returned as `host:port` targets, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers } from "./flags.ts";
 * assert.deepEqual(parseServers(["a:1,b:2", "[::1]:3"]), ["a:1", "b:2", "[::1]:3"]);
 * assert.throws(() => parseServers(["a"]), /--server takes HOST:PORT, not "a"/);
 * ```
 */
export function parseServers(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(",")).map((text) => text.trim()).map((text) => {
    const match = text.match(/^(\[[^\]]*\]|[^:\[\]]+):(\d+)$/);
    if (!match) throw new UsageError(`--server takes HOST:PORT, not "${text}"`);
    const host = match[1].replace(/^\[(.*)\]$/, "$1");
    if (/[\s/\\@?#]/.test(host)) {
      throw new UsageError(`--server must name a host name or an IP address, not "${text}"`);
    }
    const port = numberFlag("--server", match[2], { min: 1, max: 65535, integer: true });
    return hostPort(host, port);
  });
}

/**
 * A TCP port from its text: an integer from 0 to 65535.
 *
 * @example
 * ```ts
 * import { parsePort } from "./flags.ts";
 * parsePort("50051"); // 50051
 * ```
 */
export function parsePort(text: string): number {
  return numberFlag("--port", text, { min: 0, max: 65535, integer: true });
}

/**
 * A number flag's value, checked against its range.
 *
 * @example
 * ```ts
 * import { numberFlag } from "./flags.ts";
 * numberFlag("--grace", "2.5", { min: 0, max: 60 }); // 2.5
 * ```
 */
export function numberFlag(
  name: string,
  text: string,
  range: { min: number; max: number; integer?: boolean },
): number {
  const value = text.trim() === "" ? NaN : Number(text);
  const { min, max, integer = false } = range;
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new UsageError(`${name} must be ${kind} from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** One of a flag's allowed values. */
export function choiceFlag<T extends string>(name: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${name} must be one of ${choices.join(", ")}, not "${text}"`);
  }
  return text as T;
}

/**
 * The bytes of a file named by a flag, read from the folder the user ran the
 * command in; or a one-line error naming the flag and the full path tried.
 */
export function fileFlag(name: string, path: string, env?: Env): Uint8Array {
  const fullPath = userPath(path, env);
  try {
    return Deno.readFileSync(fullPath);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new UsageError(`cannot read ${name} ${fullPath}: ${reason}`);
  }
}
