import { type GrpcError, Status } from "../lib/mod.ts";

import { lastGrpcError } from "./grpc_logs.ts";
import { ENDED_AT_SETUP } from "../lib/grpc_js/early_goaway.ts";

/** What grpc-js says of a call whose channel a connect timeout closed (lib/client/connect_timeout.ts). */
const NEVER_CONNECTED = "Channel closed before call started";

/**
 * Whether a call failed because no connection to the server could be made
 * (the name did not resolve, or nothing answered): then nothing was sent.
 */
export function isUnreachable(error: GrpcError): boolean {
  return error.code === Status.UNAVAILABLE &&
    (error.details.startsWith("No connection") ||
      error.details.startsWith("Name resolution failed") ||
      error.details.startsWith(NEVER_CONNECTED));
}

/** The system's reason when the server reset a connection as it was set up. */
const RESET_AT_CONNECT = /^(?:read|write|connect) (?:ECONNRESET|EPIPE)\b/;

/** grpc-js's last error on a call that found no connection, without its timestamp. */
function lastError(error: GrpcError): string {
  return (
    error.details.match(/Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/)?.[1] ??
      error.details
  ).replace(/ \(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/, ""); // grpc-js's timestamp
}

/**
 * Whether a call failed because the server reset or ended the connection as
 * it was set up: a server is there (one replacing a worker, or restarting),
 * and nothing was sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcError, Status } from "../lib/mod.ts";
 * const failed = (last: string) =>
 *   new GrpcError(Status.UNAVAILABLE, `No connection established. Last error: ${last}`);
 * assert.equal(endedAtSetup(failed("read ECONNRESET")), true);
 * assert.equal(endedAtSetup(failed("connect ECONNREFUSED 127.0.0.1:1")), false);
 * ```
 */
export function endedAtSetup(error: GrpcError): boolean {
  if (!isUnreachable(error)) return false;
  const reason = lastError(error);
  return RESET_AT_CONNECT.test(reason) || reason === ENDED_AT_SETUP;
}

/**
 * One line on a failed call. An unreachable server is named with the
 * system's reason rather than grpc-js's long status text.
 *
 * @example
 * ```ts ignore
 * describeFailure(error, "localhost:50051");
 * // "cannot reach the server at localhost:50051: connect ECONNREFUSED 127.0.0.1:50051"
 * ```
 */
export function describeFailure(
  error: GrpcError,
  target: string,
  { tls = false, clientCert = false, speaksTls }: {
    tls?: boolean;
    clientCert?: boolean;
    /** Whether the server answered a TLS handshake, where it was asked (see `tls_probe.ts`). */
    speaksTls?: boolean;
  } = {},
): string {
  if (!isUnreachable(error)) {
    const lost = lostConnection(error);
    return lost ? `the connection to the server at ${target} was lost (${lost})` : error.message;
  }
  const prefix = `cannot reach the server at ${target}`;
  if (error.details.startsWith(NEVER_CONNECTED)) {
    return `${prefix}: it accepted the connection, then did not answer (frozen, or behind a silent network)`;
  }
  if (error.details.startsWith("Name resolution failed")) {
    return `${prefix}: the name ${target.replace(/:\d+$/, "")} does not resolve`;
  }
  // grpc-js says "Last error: undefined" when its proxy failed, and logs why.
  const proxy = lastGrpcError()?.match(/Failed to connect to proxy (\S+) with error (.*)/);
  if (proxy && /Last error: undefined/.test(error.details)) {
    return `${prefix} through the proxy ${proxy[1]}: ${proxy[2]}`;
  }
  const reason = lastError(error);
  if (RESET_AT_CONNECT.test(reason)) {
    return `${prefix}: it reset the connection as it was set up (${reason})`;
  }
  if (reason === ENDED_AT_SETUP) return `${prefix}: ${reason}`;
  if (reason === "write after end") {
    return `${prefix}: it does not answer as a gRPC server: is ${target} the right port?`;
  }
  // A TLS handshake the server ended says no more than "Failed to connect".
  if (/^Failed to connect$/.test(reason)) {
    if (!tls && speaksTls === false) {
      return `${prefix}: it closed the connection at once, before any gRPC (a port that refuses ` +
        "connections, or a server shutting down?)";
    }
    if (!tls && speaksTls === true) {
      return `${prefix}: the server speaks TLS: use --tls, or --ca to name its CA`;
    }
    if (!tls) {
      return `${prefix}: the connection failed at once: is the server serving TLS (then use --tls or --ca)?`;
    }
    return `${prefix}: the server ended the TLS handshake: ` +
      (clientCert
        ? "does it trust the CA that issued the certificate of --cert?"
        : "does it require a client certificate (--cert and --key)?");
  }
  return `${prefix}: ${tlsCause(reason) ?? reason}`;
}

/**
 * Whether `error` leaves a plaintext client unable to tell a TLS server from
 * a port that resets connections, so that {@linkcode describeFailure} needs
 * `speaksTls` to say which.
 */
export function needsTlsProbe(error: GrpcError, tls: boolean): boolean {
  return !tls && isUnreachable(error) &&
    /Last error: (?:Error: )?Failed to connect\b/.test(error.details);
}

/**
 * The system's reason, when a call failed because its connection went away
 * under it (the server died or restarted, or the network dropped it): grpc-js
 * then reports what its own side of the socket saw, such as `INTERNAL:
 * Received RST_STREAM with code 2 triggered by internal client error: write
 * EPIPE`, which reads like a bug of the client.
 */
function lostConnection(error: GrpcError): string | undefined {
  if (error.code !== Status.UNAVAILABLE && error.code !== Status.INTERNAL) return undefined;
  const reason = error.details.match(/\b(?:read|write) (E[A-Z]+)\b/)?.[1] ??
    error.details.match(/^(Connection dropped|Connection closed|socket hang up)/i)?.[1];
  return reason;
}

/** What a TLS failure means to the user, where grpc-js's words do not say it. */
function tlsCause(reason: string): string | undefined {
  if (
    /unable to verify|self[- ]signed|unable to get (local )?issuer|certificate has expired/.test(
      reason,
    )
  ) {
    return `the server's certificate is not trusted (${reason}); --ca names the CA to trust`;
  }
  const altName = reason.match(/ERR_TLS_CERT_ALTNAME_INVALID\]: (.*)/)?.[1];
  if (altName) return `the server's certificate is not for this host (${altName})`;
  if (/CertificateRequired|certificate required/i.test(reason)) {
    return "the server requires a client certificate: give --cert and --key, issued by a CA it trusts";
  }
  if (/alert: (UnknownCA|BadCertificate|DecryptError)|unknown ca|bad certificate/i.test(reason)) {
    return `the server does not accept the certificate of --cert (${reason}): is it from a CA the server trusts?`;
  }
  if (/wrong version number/.test(reason)) {
    return `the server does not speak TLS (${reason}): is it serving plaintext?`;
  }
  return undefined;
}

/**
 * The system's reason inside grpc-js's bind error ("address already in use"),
 * or its message.
 */
export function bindFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.match(/listen E[A-Z]+: ([^\]]+?)(?: \S+:\d+)?\]/)?.[1] ?? message;
}
