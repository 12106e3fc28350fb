/**
 * gRPC metadata: the headers and trailers of a call.
 *
 * @module
 */
import { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";

/** A metadata value: bytes (a `Buffer`) for a key ending in `-bin`, a string for any other. */
export type MetadataValue = string | Buffer;

/**
 * A call's headers or trailers: each key (normalized to lower case) with its
 * values, in order. The objects are grpc-js's `Metadata`.
 */
export interface Metadata {
  /** Sets `key` to `value` alone, replacing its values. */
  set(key: string, value: MetadataValue): void;
  /** Adds `value` to the values of `key`. */
  add(key: string, value: MetadataValue): void;
  /** Removes `key` and its values. */
  remove(key: string): void;
  /** The values of `key`, in order; none if it is not set. */
  get(key: string): MetadataValue[];
  /** Every key with its first value. */
  getMap(): { [key: string]: MetadataValue };
  /** A copy. */
  clone(): Metadata;
  /** Adds every value of `other` to this metadata, after those of the same key. */
  merge(other: Metadata): void;
  /** Every key with its values, as `JSON.stringify` shows them. */
  toJSON(): { [key: string]: MetadataValue[] };
}

/**
 * Makes empty metadata.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metadata } from "./metadata.ts";
 * const metadata = new Metadata();
 * metadata.add("X-Request-Id", "42");
 * assert.deepEqual(metadata.get("x-request-id"), ["42"]);
 * ```
 */
export const Metadata: new () => Metadata = GrpcMetadata;

/** Metadata as a {@linkcode Metadata}, or as a plain record of keys to values. */
export type MetadataInit =
  | Metadata
  | Record<string, string | Uint8Array | ReadonlyArray<string | Uint8Array>>;

/**
 * Turns a {@linkcode MetadataInit} into grpc-js `Metadata`. Keys ending in
 * `-bin` take `Uint8Array` values, all others strings, as gRPC requires.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toMetadata } from "./metadata.ts";
 * assert.deepEqual(toMetadata({ "x-request-id": "42" }).get("x-request-id"), ["42"]);
 * ```
 */
export function toMetadata(init: MetadataInit | undefined): GrpcMetadata {
  if (init instanceof GrpcMetadata) return init;
  const metadata = new GrpcMetadata();
  for (const [key, value] of Object.entries(init ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      metadata.add(key, typeof v === "string" ? v : Buffer.from(v));
    }
  }
  return metadata;
}

/** The same metadata as grpc-js types it, to hand to grpc-js. */
export function grpcMetadata(metadata: Metadata): GrpcMetadata;
export function grpcMetadata(metadata: Metadata | undefined): GrpcMetadata | undefined;
export function grpcMetadata(metadata: Metadata | undefined): GrpcMetadata | undefined {
  return metadata as GrpcMetadata | undefined;
}
