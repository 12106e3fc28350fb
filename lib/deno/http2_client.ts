/**
 * Fixes for grpc-js clients on Deno 2.8.3's `node:http2`, applied once (by
 * {@linkcode applyClientStreamFixes}) to every connection and client stream
 * grpc-js opens from then on.
 *
 * Writes batched: each connection's socket gathers a turn's frames into one
 * system call (see `http2_writes.ts`).
 *
 * Trailers after data: Deno emits a stream's 'trailers' as soon as they
 * arrive, even while DATA received before them is still buffered in the
 * paused stream. grpc-js ends a failed call the moment it sees a non-OK status
 * in the trailers, so replies the server sent before its error status were
 * lost. Node delivers that data first. 'trailers' is now held back until the
 * stream flows again with nothing buffered (grpc-js resumes it only once it
 * has passed on every message it parsed), or until 'close'.
 *
 * Cancel without half-close: closing a stream with an error code (grpc-js's
 * cancel) makes Deno end the stream's writable side first, which sends
 * END_STREAM, a half-close, ahead of RST_STREAM. A server that reads the
 * half-close before the reset sees the requests end normally: a cancelled
 * client-streaming call could be applied. Such a close now only resets.
 *
 * Upstream: no Deno issue is known for either. Remove the trailer hold once
 * `SumServer` overflows (`tests/sum_test.ts`) keep every reply sent before
 * the error without it on the pinned Deno, and the reset once an `add-all`
 * interrupted by Ctrl-C under load (`tests/programs_test.ts`) applies nothing
 * without it.
 *
 * @module
 */
import http2 from "node:http2";
import type { ClientHttp2Session, ClientHttp2Stream, ClientSessionOptions } from "node:http2";
import type { Socket } from "node:net";
import { batchWrites } from "./http2_writes.ts";

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

function holdTrailersUntilDrained(stream: ClientHttp2Stream): void {
  const emit = stream.emit as Emit;
  let held: unknown[] | undefined;
  const release = () => {
    if (!held) return;
    const args = held;
    held = undefined;
    emit.call(stream, "trailers", ...args);
  };
  const drained = () => stream.readableFlowing !== false && stream.readableLength === 0;
  stream.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === "trailers" && !drained()) {
      held = args;
      return true;
    }
    if (event === "close") release();
    const result = emit.call(stream, event, ...args);
    if ((event === "data" || event === "resume") && drained()) release();
    return result;
  }) as ClientHttp2Stream["emit"];
}

function resetWithoutHalfClose(stream: ClientHttp2Stream): void {
  const close = stream.close.bind(stream);
  stream.close = ((code?: number, callback?: () => void) => {
    if (code) stream.end = (() => stream) as ClientHttp2Stream["end"];
    return close(code, callback);
  }) as ClientHttp2Stream["close"];
}

/**
 * Batches the writes of the socket a connect's `createConnection` option
 * makes, if it has one; `rest` is what follows the authority.
 */
function batchConnection(rest: unknown[]): void {
  const options = rest.find((arg) => typeof arg === "object" && arg !== null) as
    | ClientSessionOptions
    | undefined;
  const createConnection = options?.createConnection;
  if (!options || !createConnection) return;
  options.createConnection = (...args) => {
    const socket = createConnection(...args);
    batchWrites(socket as Socket);
    return socket;
  };
}

const applied = Symbol.for("grpc-deno.http2-client");
type Patchable = typeof http2 & { [applied]?: true };

/**
 * Makes every HTTP/2 client connection opened from now on batch its writes,
 * hold its streams' trailers until their data is delivered, and reset
 * (without a half-close) the streams closed with an error code. Does nothing
 * outside Deno, or when already applied.
 */
export function applyClientStreamFixes(): void {
  if (!("Deno" in globalThis) || (http2 as Patchable)[applied]) return;
  (http2 as Patchable)[applied] = true;
  const connect = http2.connect;
  http2.connect = ((...args: Parameters<typeof connect>): ClientHttp2Session => {
    batchConnection(args.slice(1));
    const session = connect.apply(http2, args);
    const request = session.request;
    session.request = (...requestArgs: Parameters<typeof request>) => {
      const stream = request.apply(session, requestArgs);
      holdTrailersUntilDrained(stream);
      resetWithoutHalfClose(stream);
      return stream;
    };
    return session;
  }) as typeof connect;
}
