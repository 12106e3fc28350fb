/**
 * A connection the server ends as soon as it is made (a GOAWAY right after
 * the server's SETTINGS, as from a server that starts to drain just after
 * accepting it) left grpc-js 1.14's client spinning forever, at full CPU
 * and with memory growing until V8 gave up.
 *
 * grpc-js builds its transport on the server's SETTINGS, and its subchannel
 * listens for the transport's disconnection only a promise later. The
 * GOAWAY, read in the same turn, is reported to no one, and the transport
 * reports a disconnection only once, so the subchannel stays READY on a dead
 * session. Every call started on it fails at once and is retried at once,
 * transparently, in microtasks: timers and I/O never run again.
 *
 * This patch looks, as each connection is handed to its subchannel, whether
 * it has already ended:
 *
 * - the first time in a row, the subchannel hears of it as it listens: it
 *   leaves READY and connects again at once, and calls go on unaware (a
 *   draining server's listener is closed by then, so the next connection
 *   finds another);
 * - the second time in a row and after, the connection counts as failed, so grpc-js
 *   waits out its reconnect backoff, and calls that do not wait for ready
 *   fail `UNAVAILABLE`: a server that ends every connection so is not sent
 *   thousands of connections a second.
 *
 * Measured by hand: a client opening connection after connection while the
 * server's workers were replaced hung in each of six runs, after 2 to 25 s;
 * with the patch, none of three runs of 40 to 60 s did. `tests/client_test.ts` reproduces both
 * cases on a real client; `early_goaway_test.ts` checks the grpc-js shapes
 * this relies on. It can go once grpc-js reports such a GOAWAY itself.
 *
 * Applied once, to grpc-js's client connections, by
 * {@linkcode applyEarlyGoawayFix}.
 *
 * @module
 */
import { Http2SubchannelConnector } from "@grpc/grpc-js/build/src/transport.js";

/** The part of grpc-js's `Http2Transport` this patch relies on. */
export interface DisconnectReporter {
  /** Set once the transport has told its listeners it is disconnected. */
  disconnectHandled: boolean;
  addDisconnectListener(listener: (tooManyPings: boolean) => void): void;
  shutdown(): void;
}

/** What a connection that ended twice in a row as it was set up fails with. */
export const ENDED_AT_SETUP = "the server ended the connection as it was set up, twice in a row";

const applied = Symbol.for("grpc-deno.early-goaway");
const endedInARow = Symbol("connections ended at setup in a row");

interface Connector {
  connect(...args: unknown[]): Promise<DisconnectReporter>;
  [applied]?: true;
  /** Kept on each subchannel's own connector. */
  [endedInARow]?: number;
}

/**
 * Makes grpc-js's client tell a connection that ended as it was set up to
 * its subchannel, once per process.
 */
export function applyEarlyGoawayFix(): void {
  const prototype = Http2SubchannelConnector.prototype as unknown as Connector;
  if (prototype[applied]) return;
  prototype[applied] = true;
  const connect = prototype.connect;
  prototype.connect = async function (this: Connector, ...args: unknown[]) {
    const transport = await connect.apply(this, args);
    patchTransport(Object.getPrototypeOf(transport));
    if (!transport.disconnectHandled) {
      this[endedInARow] = 0;
      return transport;
    }
    this[endedInARow] = (this[endedInARow] ?? 0) + 1;
    if (this[endedInARow] < 2) return transport;
    transport.shutdown();
    throw new Error(ENDED_AT_SETUP);
  };
}

/** Patches the prototype of grpc-js's transports, the first time one connects. */
function patchTransport(prototype: DisconnectReporter & { [applied]?: true }): void {
  if (prototype[applied]) return;
  prototype[applied] = true;
  const add = prototype.addDisconnectListener;
  prototype.addDisconnectListener = function (this: DisconnectReporter, listener) {
    add.call(this, listener);
    // Too many pings is a GOAWAY that comes after pings, never at the start.
    if (this.disconnectHandled) listener(false);
  };
}
