/**
 * A connection the server closes as soon as it is made (a GOAWAY right
 * after the server's SETTINGS, as a server does that starts to drain just
 * after accepting it) left grpc-js 1.14's client spinning forever, at full
 * CPU and with memory growing until V8 gave up.
 *
 * grpc-js builds its transport on the server's SETTINGS, and its subchannel
 * listens for the transport's disconnection only a promise later. The
 * GOAWAY, read in the same turn, is reported to no one, and the transport
 * reports a disconnection only once, so the subchannel stays READY on a dead
 * session. Every call started on it fails at once and is retried at once,
 * transparently, in microtasks: timers and I/O never run again.
 *
 * This patch hands a disconnection reported before anyone listened to each
 * listener as it is added; the subchannel then leaves READY and connects
 * again. Measured: a client opening a connection after connection while the
 * server's workers were replaced hung within 2 to 25 s in each of three
 * runs; with the patch, none did (`tests/workers_test.ts`).
 *
 * Applied once, to grpc-js's client transports, by
 * {@linkcode applyEarlyGoawayFix}. It can go once grpc-js reports such a
 * GOAWAY itself; `grpc_internals_test.ts` checks the shapes it relies on.
 *
 * @module
 */
import { Http2SubchannelConnector } from "@grpc/grpc-js/build/src/transport.js";

/** The part of grpc-js's `Http2Transport` this patch relies on. */
export interface DisconnectReporter {
  /** Set once the transport has told its listeners it is disconnected. */
  disconnectHandled: boolean;
  addDisconnectListener(listener: (tooManyPings: boolean) => void): void;
}

interface Connector {
  connect(...args: unknown[]): Promise<DisconnectReporter>;
}

const applied = Symbol.for("grpc-deno.early-goaway");

/**
 * Makes a grpc-js client transport whose disconnection was reported before
 * its subchannel listened report it again to that listener, once per process.
 */
export function applyEarlyGoawayFix(): void {
  const prototype = Http2SubchannelConnector.prototype as unknown as
    & Connector
    & { [applied]?: true };
  if (prototype[applied]) return;
  prototype[applied] = true;
  const connect = prototype.connect;
  prototype.connect = function (this: unknown, ...args: unknown[]) {
    return connect.apply(this, args).then((transport) => {
      patchTransport(Object.getPrototypeOf(transport));
      return transport;
    });
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
