/**
 * Limits on a server's connections: how long one may take to start speaking
 * HTTP/2, and how long one may live.
 *
 * @module
 */
import { constants, type ServerHttp2Session } from "node:http2";
import { Buffer } from "node:buffer";

/**
 * Destroys `session` unless the client's HTTP/2 preface (its SETTINGS) comes
 * within `ms`, as grpc-go's connection timeout does. Without it, a
 * connection that never speaks stays open for ever: 3,000 of them were all
 * still open after 25 s.
 *
 * @example
 * ```ts ignore
 * http2Server.on("session", (session) => limitHandshake(session, 10_000));
 * ```
 */
export function limitHandshake(session: ServerHttp2Session, ms: number): void {
  const timer = setTimeout(() => session.destroy(), ms);
  const clear = () => clearTimeout(timer);
  session.once("remoteSettings", clear);
  session.once("close", clear);
}

/** Limits on how long a connection lives; see {@linkcode limitAge}. */
export interface ConnectionAge {
  /** The age after which a connection is asked to go (GOAWAY). */
  ageMs: number;
  /** How long the calls open on it then may still run. */
  graceMs: number;
}

const MAX_AGE = Buffer.from("max_age");

/**
 * Ends `session` once it is `ageMs` old (give or take 10%, so that clients
 * that connected together do not all reconnect together), as grpc-go does:
 * a GOAWAY, so that the client opens its next calls elsewhere; the session
 * closes as soon as its open calls are done; those still open after
 * `graceMs` are handed to `endCalls` (to end them with `UNAVAILABLE`, which
 * clients retry) and the session is then destroyed.
 *
 * grpc-js's own `grpc.max_connection_age_ms` destroys the session when the
 * grace ends, and a client sees its open calls fail with `INTERNAL: Received
 * RST_STREAM with code 0`.
 *
 * @example
 * ```ts ignore
 * http2Server.on("session", (session) =>
 *   limitAge(session, { ageMs: 60_000, graceMs: 5_000 }, endCallsOf));
 * ```
 */
export function limitAge(
  session: ServerHttp2Session,
  { ageMs, graceMs }: ConnectionAge,
  endCalls: (session: ServerHttp2Session) => Promise<void>,
): void {
  let grace: ReturnType<typeof setTimeout> | undefined;
  const age = setTimeout(() => {
    try {
      session.goaway(constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1, MAX_AGE);
      session.close();
    } catch {
      session.destroy();
      return;
    }
    grace = setTimeout(async () => {
      await endCalls(session);
      session.destroy();
    }, graceMs);
  }, ageMs * (0.9 + 0.2 * Math.random()));
  session.once("close", () => {
    clearTimeout(age);
    clearTimeout(grace);
  });
}
