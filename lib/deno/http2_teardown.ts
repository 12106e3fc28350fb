/**
 * Lets closed HTTP/2 server connections be garbage-collected on Deno 2.8.3.
 *
 * Three references in Deno's `node:http2`/`node:net` outlive a connection,
 * each a strong V8 Global held by native code (fixed upstream in 2.9.3/2.9.4):
 * - the TCP handle's read registry holds the handle (and so its `Socket`)
 *   unless reading is stopped before close (denoland/deno#35876);
 * - the native HTTP/2 session holds its JS handle for ever; the handle holds
 *   the `ServerHttp2Session` (owner symbol) and closures over it and its socket;
 * - the native session holds each SETTINGS callback (bound to the session)
 *   until its ACK, for ever on a connection closed before the ACK.
 * This stops the read before the TCP handle closes, hands the native session
 * trampolines for SETTINGS callbacks, and empties the session handle once the
 * session closes. nghttp2's own allocation (~15 KB a connection) still leaks:
 * 2.8.3 never frees it.
 *
 * Measured with heap snapshots of `server.ts` under 10,000 churned
 * connections: the heap kept after GC fell from 5.9–6.1 KB to 0.25 KB a
 * connection, RSS after 10,000 from 484 to 404 MB (about 21 KB a connection
 * of native memory remain).
 *
 * Upstream: denoland/deno#35876 (fixed by denoland/deno#35898, in 2.9.3) and
 * denoland/deno#36043 ("clean up destroyed sessions", in 2.9.4). Remove this
 * module once the project runs on 2.9.4 or later; until then it applies to
 * 2.8.3 only.
 *
 * @module
 */
import http2 from "node:http2";
import type { Socket } from "node:net";

type Fn = (...args: unknown[]) => unknown;
type TcpHandle = { readStop?(): number; close: Fn };
type SessionHandle = Record<PropertyKey, unknown> & { settings(cb: Fn): boolean };
type Holder = { cb: Fn | undefined };

function stopReadOnClose(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: TcpHandle | null })._handle;
  if (typeof handle?.readStop !== "function") return;
  const { close } = handle;
  handle.close = function (this: TcpHandle, ...args: unknown[]) {
    this.readStop!();
    return close.apply(this, args);
  };
}

const pendingAcks = Symbol("grpc-deno.pending-settings-acks");
const noop = () => {};
/** Stands in for the session in callbacks that run late: they see it destroyed. */
const closedOwner = Object.freeze({ destroyed: true, closed: true });
let settingsPatched = false;

function patchSettings(handle: SessionHandle): void {
  if (settingsPatched) return;
  settingsPatched = true;
  const proto = Object.getPrototypeOf(handle) as SessionHandle;
  const settings = proto.settings;
  proto.settings = function (this: SessionHandle, cb: Fn) {
    const pending = (this[pendingAcks] ??= new Set<Holder>()) as Set<Holder>;
    const holder: Holder = { cb };
    pending.add(holder);
    return settings.call(this, function (this: unknown, ...args: unknown[]) {
      pending.delete(holder);
      const target = holder.cb;
      holder.cb = undefined;
      return target?.apply(this, args);
    });
  };
}

function releaseOnClose(session: http2.Http2Session): void {
  const kHandle = Object.getOwnPropertySymbols(session).find((s) => s.description === "kHandle");
  const handle = kHandle &&
    (session as unknown as Record<symbol, SessionHandle | undefined>)[kHandle];
  if (!handle) return;
  patchSettings(handle);
  session.once("close", () => {
    for (const holder of (handle[pendingAcks] as Set<Holder> | undefined) ?? []) {
      holder.cb = undefined;
    }
    for (const key of Reflect.ownKeys(handle)) {
      const value = handle[key];
      handle[key] = typeof value === "function"
        ? noop
        : typeof key === "symbol" && key.description === "ownerSymbol"
        ? closedOwner
        : undefined;
    }
  });
}

const applied = Symbol.for("grpc-deno.http2-teardown");
type Patchable = typeof http2 & { [applied]?: true };

function releaseServerConnections(create: "createServer" | "createSecureServer") {
  const original = http2[create] as (...args: unknown[]) => http2.Http2Server;
  (http2 as Record<typeof create, unknown>)[create] = (...args: unknown[]) => {
    const server = original.apply(http2, args);
    server.on("connection", stopReadOnClose); // the TCP socket, under TLS too
    server.on("session", releaseOnClose);
    return server;
  };
}

/**
 * Makes every HTTP/2 server created from now on release its closed
 * connections. Does nothing outside Deno 2.8.3, or when already applied.
 */
export function applyConnectionTeardown(): void {
  if (!("Deno" in globalThis) || Deno.version.deno !== "2.8.3") return;
  if ((http2 as Patchable)[applied]) return;
  (http2 as Patchable)[applied] = true;
  releaseServerConnections("createServer");
  releaseServerConnections("createSecureServer");
}
