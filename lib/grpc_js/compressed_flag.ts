/**
 * A request message whose compressed flag is set on a call that names no
 * compression (`grpc-encoding` absent or `identity`) is refused with
 * `INTERNAL`, as grpc-go refuses it: the flag says the bytes are compressed
 * and nothing says how. grpc-js reads such a message as uncompressed.
 *
 * Applied once, to grpc-js's server calls, by {@linkcode applyCompressedFlagCheck}.
 *
 * @module
 */
import { BaseServerInterceptingCall } from "@grpc/grpc-js/build/src/server-interceptors.js";
import { Status } from "../status.ts";

type Decompress = (message: Uint8Array, encoding: string) => unknown;
interface Patchable {
  decompressMessage?: Decompress;
  [applied]?: true;
}

const applied = Symbol.for("grpc-deno.compressed-flag");

/** Makes grpc-js's server calls refuse a compressed flag without an encoding, once. */
export function applyCompressedFlagCheck(): void {
  const prototype = BaseServerInterceptingCall.prototype as unknown as Patchable;
  const decompress = prototype.decompressMessage;
  if (prototype[applied] || typeof decompress !== "function") return;
  prototype[applied] = true;
  prototype.decompressMessage = function (this: unknown, message, encoding) {
    if (message[0] === 1 && encoding === "identity") {
      return Promise.reject({
        code: Status.INTERNAL,
        details: "the message's compressed flag is set, but the call names no grpc-encoding",
      });
    }
    return decompress.call(this, message, encoding);
  };
}
