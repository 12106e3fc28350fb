/**
 * Protobuf's wire format, as far as reading and rewriting a few fields of a
 * message needs: each field kept encoded until it is read as a message,
 * string or varint, and encoded again with whatever changed.
 *
 * @module
 */

/** One field of an encoded message, its value still encoded. */
interface WireField {
  number: number;
  wireType: number;
  /** The value: a varint's bytes, a fixed value's bytes, or a length-delimited payload. */
  data: Uint8Array;
  /** The payload decoded as a message, once read as one; encoded again from it. */
  message?: Message;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, byte: number;
  do {
    if (at >= bytes.length) throw new Error("truncated varint");
    byte = bytes[at++];
    // Lengths, tags and the small enums read here fit well within 2^53.
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}

/** How many bytes a field of `wireType` holds after its tag, from `at`; -1 for a wire type it cannot have. */
function fieldEnd(bytes: Uint8Array, wireType: number, at: number): number {
  switch (wireType) {
    case 0:
      return readVarint(bytes, at)[1];
    case 1:
      return at + 8;
    case 2: {
      const [length, start] = readVarint(bytes, at);
      return start + length;
    }
    case 5:
      return at + 4;
    default:
      return -1;
  }
}

/**
 * Whether `bytes` are well framed as a protobuf message at its top level:
 * every tag and varint whole, every field within the message. protobufjs
 * decodes a string whose length runs past the message as the bytes that are
 * there; such a message is refused instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wellFramed } from "./protobuf_wire.ts";
 * assert.equal(wellFramed(new Uint8Array([0x08, 5, 0x12, 1, 0x61])), true);
 * assert.equal(wellFramed(new Uint8Array([0x08, 5, 0x12, 3, 0x61])), false);
 * ```
 */
export function wellFramed(bytes: Uint8Array): boolean {
  let at = 0;
  try {
    while (at < bytes.length) {
      let tag: number;
      [tag, at] = readVarint(bytes, at);
      at = fieldEnd(bytes, tag % 8, at);
      if (at < 0 || at > bytes.length || tag < 8) return false;
    }
  } catch {
    return false; // a varint cut short
  }
  return true;
}

/** A protobuf message as its fields, in order, for reading and changing a few of them. */
export class Message {
  constructor(readonly fields: WireField[]) {}

  static decode(bytes: Uint8Array): Message {
    const fields: WireField[] = [];
    let at = 0;
    while (at < bytes.length) {
      let tag: number;
      [tag, at] = readVarint(bytes, at);
      const wireType = tag % 8;
      const end = fieldEnd(bytes, wireType, at);
      if (end < 0) throw new Error(`unexpected wire type ${wireType} in a file descriptor`);
      if (end > bytes.length) throw new Error("truncated file descriptor");
      // A length-delimited field's data starts after its length.
      const start = wireType === 2 ? readVarint(bytes, at)[1] : at;
      fields.push({ number: Math.floor(tag / 8), wireType, data: bytes.subarray(start, end) });
      at = end;
    }
    return new Message(fields);
  }

  encode(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const field of this.fields) {
      const data = field.message ? field.message.encode() : field.data;
      const head = varint(field.number * 8 + field.wireType);
      if (field.wireType === 2) head.push(...varint(data.length));
      parts.push(new Uint8Array(head), data);
    }
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** The string values of field `number`, in order. */
  strings(number: number): string[] {
    return this.fields.filter((f) => f.number === number).map((f) => decoder.decode(f.data));
  }

  /** The last value of string field `number` (the one a parser keeps), or `""`. */
  string(number: number): string {
    return this.strings(number).at(-1) ?? "";
  }

  /** Sets string field `number` to `value`, in place of its last value, or after the others. */
  setString(number: number, value: string): void {
    const field = this.fields.findLast((f) => f.number === number);
    if (field) field.data = encoder.encode(value);
    else this.fields.push({ number, wireType: 2, data: encoder.encode(value) });
  }

  /** Adds `value` to repeated string field `number`. */
  addString(number: number, value: string): void {
    this.fields.push({ number, wireType: 2, data: encoder.encode(value) });
  }

  /** The last value of varint field `number`, or 0. */
  varint(number: number): number {
    const field = this.fields.findLast((f) => f.number === number && f.wireType === 0);
    return field ? readVarint(field.data, 0)[0] : 0;
  }

  /** Whether field `number` is present. */
  has(number: number): boolean {
    return this.fields.some((f) => f.number === number);
  }

  /** Sets varint field `number` to `value`, in place of its last value, or after the others. */
  setVarint(number: number, value: number): void {
    const data = new Uint8Array(varint(value));
    const field = this.fields.findLast((f) => f.number === number && f.wireType === 0);
    if (field) field.data = data;
    else this.fields.push({ number, wireType: 0, data });
  }

  /** The messages of field `number`, decoded; changes to them are encoded with this one. */
  messages(number: number): Message[] {
    return this.fields.filter((f) => f.number === number && f.wireType === 2).map((f) =>
      f.message ??= Message.decode(f.data)
    );
  }
}
