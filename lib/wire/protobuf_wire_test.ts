import assert from "node:assert/strict";
import { Message } from "./protobuf_wire.ts";

// FileDescriptorProto { name: "a.proto" (1), package: "pkg" (2), syntax: "proto3" (12) }
const encoded = new Uint8Array([
  0x0a,
  7,
  ...new TextEncoder().encode("a.proto"),
  0x12,
  3,
  ...new TextEncoder().encode("pkg"),
  0x62,
  6,
  ...new TextEncoder().encode("proto3"),
]);

Deno.test("a message decoded and encoded unchanged gives the same bytes, fields it does not know included", () => {
  assert.deepEqual(Message.decode(encoded).encode(), encoded);
});

Deno.test("a message's strings and varints are read, set in place and added after the others", () => {
  const message = Message.decode(encoded);
  assert.equal(message.string(2), "pkg");
  message.setString(2, "other.pkg");
  message.addString(3, "b.proto");
  message.setVarint(10, 300);
  const again = Message.decode(message.encode());
  assert.deepEqual(again.strings(2), ["other.pkg"]);
  assert.deepEqual(again.strings(3), ["b.proto"]);
  assert.equal(again.varint(10), 300);
  assert.equal(again.string(12), "proto3");
  assert.deepEqual(again.fields.map((field) => field.number), [1, 2, 12, 3, 10]);
});

Deno.test("a truncated message is an error, not a partial read", () => {
  assert.throws(() => Message.decode(encoded.subarray(0, 5)), /truncated file descriptor/);
});
