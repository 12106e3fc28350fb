/**
 * Deadlines further than a timer can reach. grpc-js reads a call's
 * `grpc-timeout` into a 32-bit integer and sets one timer: a timeout between
 * 2^31 and 2^32 ms (25 to 50 days) comes out negative and expires at once, a
 * longer one wraps round. The protocol carries timeouts up to 99,999,999
 * hours. Such a header is taken off the request before grpc-js reads it, and
 * lib keeps the deadline itself, with timers chained up to it.
 *
 * @module
 */
import type { EventEmitter } from "node:events";

/** The longest delay `setTimeout` keeps: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const MS_PER_UNIT: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/** Deadlines (ms since the epoch) of the streams whose timeout lib keeps. */
const deadlines = new WeakMap<object, number>();

/**
 * Takes a `grpc-timeout` longer than {@linkcode MAX_TIMER_MS} off `headers`
 * and keeps the deadline for `stream`; other timeouts stay for grpc-js.
 */
export function takeLongDeadline(stream: object, headers: Record<string, unknown>): void {
  const match = String(headers["grpc-timeout"] ?? "").match(/^(\d{1,8})([HMSmun])$/);
  if (!match) return;
  const ms = Number(match[1]) * MS_PER_UNIT[match[2]];
  if (ms <= MAX_TIMER_MS) return;
  delete headers["grpc-timeout"];
  deadlines.set(stream, Date.now() + ms);
}

/** The deadline lib keeps for `stream`, if it took one. */
export function longDeadlineOf(stream: object | undefined): number | undefined {
  return stream ? deadlines.get(stream) : undefined;
}

/**
 * Calls `fn` at `epochMs`, however far ahead, with timers of at most
 * `maxStepMs` each; returns a function that cancels it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { at } from "./long_deadlines.ts";
 * const started = Date.now();
 * await new Promise<void>((resolve) => at(started + 60, resolve, 25));
 * assert.ok(Date.now() - started >= 60);
 * ```
 */
export function at(epochMs: number, fn: () => void, maxStepMs = MAX_TIMER_MS): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const step = () => {
    const left = epochMs - Date.now();
    if (left <= 0) return fn();
    timer = setTimeout(step, Math.min(left, maxStepMs));
  };
  step();
  return () => clearTimeout(timer);
}

/** Closes `stream` if it is still open at its deadline: the backstop for calls lib does not run. */
export function closeAtDeadline(
  stream: EventEmitter & { closed?: boolean; close(code?: number): void },
): void {
  const deadline = deadlines.get(stream);
  if (deadline === undefined) return;
  // NGHTTP2_CANCEL, after the calls lib runs have sent DEADLINE_EXCEEDED.
  const cancel = at(deadline + 1_000, () => {
    if (!stream.closed) stream.close(8);
  });
  stream.once("close", cancel);
}
