/** Log levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];
/** How log lines look: `key=value` text, or one JSON object per line. */
export type LogFormat = "text" | "json";

/** Values a log line may carry. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Writes log lines at or above a level. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** Whether entries at `level` are written. */
  enabled(level: LogLevel): boolean;
}

function quoted(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * A logger writing one line per entry to `write` (default: stderr). Text
 * lines are `TIME LEVEL message key=value …`, easy to grep; JSON lines have
 * `time`, `level`, `msg` and the fields.
 *
 * @example
 * ```ts
 * import { createLogger } from "./log.ts";
 * const lines: string[] = [];
 * createLogger({ level: "info", format: "text", write: (line) => lines.push(line) })
 *   .log("info", "call", { status: "OK" });
 * // lines[0] ends with "info call status=OK"
 * ```
 */
export function createLogger(options: {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  /** Fields every line ends with (a worker's number). */
  fields?: LogFields;
}): Logger {
  const { level, format, write = (line: string) => console.error(line) } = options;
  const always = options.fields ?? {};
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (entryLevel: LogLevel) => LOG_LEVELS.indexOf(entryLevel) >= threshold;
  return {
    enabled,
    log(entryLevel, message, fields = {}) {
      if (!enabled(entryLevel)) return;
      const time = new Date().toISOString();
      const defined = Object.entries({ ...fields, ...always }).filter(([, value]) =>
        value !== undefined
      ) as [
        string,
        string | number | boolean,
      ][];
      if (format === "json") {
        write(
          JSON.stringify({ time, level: entryLevel, msg: message, ...Object.fromEntries(defined) }),
        );
      } else {
        const pairs = defined.map(([key, value]) => `${key}=${quoted(value)}`);
        write([time, entryLevel, message, ...pairs].join(" "));
      }
    },
  };
}
