import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in the command line: reported in one line, with exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags both programs share: where the server is. */
export const addressFlags = {
  host: { type: "string", default: "localhost" },
  port: { type: "string", default: "50051" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/**
 * `parseArgs` in strict mode, its errors turned into {@linkcode UsageError}s.
 *
 * @example
 * ```ts
 * import { addressFlags, parseFlags } from "./flags.ts";
 * parseFlags(["--port", "0"], addressFlags).values.port; // "0"
 * ```
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
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
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port must be an integer from 0 to 65535, not "${text}"`);
  }
  return port;
}

/**
 * `host:port`, with an IPv6 host in brackets.
 *
 * @example
 * ```ts
 * import { hostPort } from "./flags.ts";
 * hostPort("::1", 50051); // "[::1]:50051"
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
