import { Metadata } from "@grpc/grpc-js";

export { Metadata };

/** Metadata as a grpc-js `Metadata`, or as a plain record of keys to values. */
export type MetadataInit =
  | Metadata
  | Record<string, string | Uint8Array | ReadonlyArray<string | Uint8Array>>;

/**
 * Turns a {@linkcode MetadataInit} into grpc-js `Metadata`. Keys ending in
 * `-bin` take `Uint8Array` values, all others strings, as gRPC requires.
 *
 * @example
 * ```ts
 * import { toMetadata } from "./metadata.ts";
 * toMetadata({ "x-request-id": "42" }).get("x-request-id"); // ["42"]
 * ```
 */
export function toMetadata(init: MetadataInit | undefined): Metadata {
  if (init instanceof Metadata) return init;
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(init ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      metadata.add(key, typeof v === "string" ? v : Buffer.from(v));
    }
  }
  return metadata;
}
