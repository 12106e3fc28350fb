import assert from "node:assert/strict";
import { loadService, unary } from "../mod.ts";
import { Echo, type Message } from "../../tests/fixtures/echo.ts";

Deno.test("loadService names every method that differs from the spec", () => {
  const load = () =>
    loadService(new URL("../../tests/fixtures/echo.proto", import.meta.url), {
      name: Echo.name,
      methods: { Say: unary<Message, Message>(), Chat: unary<Message, Message>(), Nope: unary() },
    });
  assert.throws(
    load,
    /Chat is bidiStreaming in the proto, declared unary; Nope is not in the proto/,
  );
  assert.throws(
    () =>
      loadService(new URL("../../tests/fixtures/echo.proto", import.meta.url), {
        name: "echo.Nope",
        methods: {},
      }),
    /has no service echo\.Nope \(it has: echo\.Echo\)/,
  );
});
