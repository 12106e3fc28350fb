import { dirname, resolve } from "node:path";
import { choiceFlag, numberFlag, parseFlags, UsageError } from "../cli/flags.ts";

/** The measurements `--only` can pick, in the order the bench runs them. */
export const MEASUREMENT_IDS = [
  "pipelined",
  "pingpong",
  "fanin",
  "unary",
  "idle",
  "churn",
  "replacement",
  "e2e",
] as const;

/** One of {@linkcode MEASUREMENT_IDS}. */
export type MeasurementId = typeof MEASUREMENT_IDS[number];

/** The bench's usage text. */
export const BENCH_USAGE = `Usage: deno task bench [OPTIONS]

Starts every server on loopback and measures each with one Go load generator,
in rounds that start each server afresh in a new order; prints a table of
medians and of ratios taken within a round, then the same as JSON.

Options:
  --rounds N     rounds of every measurement (default: 3)
  --quick        a tenth of the work per measurement
  --only IDS     comma-separated measurements to run (default: all):
                 ${MEASUREMENT_IDS.join(", ")}
  --json FILE    also write the report to FILE
  -h, --help     show this help`;

/** What the bench was asked for. */
export interface BenchOptions {
  /** Rounds of every measurement. */
  rounds: number;
  /** Whether to do a tenth of the work. */
  quick: boolean;
  /** The measurements to run. */
  only: ReadonlySet<MeasurementId>;
  /** A file to write the report to, in a folder that exists. */
  json?: string;
}

const benchFlags = {
  rounds: { type: "string", default: "3" },
  quick: { type: "boolean", default: false },
  only: { type: "string" },
  json: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** `--json`'s file, checked now: a report lost after an hour of measuring is an hour lost. */
function jsonFile(path: string): string {
  if (path === "") throw new UsageError("--json needs a file name");
  const folder = dirname(resolve(path));
  let isFolder = false;
  try {
    isFolder = Deno.statSync(folder).isDirectory;
  } catch {
    // missing: said below
  }
  if (!isFolder) throw new UsageError(`--json ${path}: no folder ${folder} to write it in`);
  return path;
}

/**
 * The bench's options from its arguments; `undefined` when help was asked
 * for. Throws a {@linkcode UsageError} naming the first mistake.
 *
 * @example
 * ```ts
 * import { benchOptions } from "./options.ts";
 * benchOptions(["--rounds", "9", "--only", "fanin,unary"])?.only.has("fanin"); // true
 * ```
 */
export function benchOptions(args: string[]): BenchOptions | undefined {
  const { values, positionals } = parseFlags(args, benchFlags);
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const only = values.only === undefined
    ? MEASUREMENT_IDS
    : values.only.split(",").map((id) => choiceFlag("--only", id.trim(), MEASUREMENT_IDS));
  return {
    rounds: numberFlag("--rounds", values.rounds, { min: 1, max: 1000, integer: true }),
    quick: values.quick,
    only: new Set(only),
    json: values.json === undefined ? undefined : jsonFile(values.json),
  };
}
