import assert from "node:assert/strict";
import { SendWindow } from "./send_window.ts";
import { msg, startEcho } from "../../tests/fixtures/echo.ts";
import { delay } from "../../testing/async.ts";

/** A connection as the window sees it: its socket's count of bytes written. */
const connection = () => ({ socket: { bytesWritten: 0 } });

Deno.test("the streams of one connection share its send window", () => {
  const session = connection();
  const first = SendWindow.of(session, 1000)!;
  const second = SendWindow.of(session, 1000)!;
  first.add(600);
  assert.equal(first.full, false);
  second.add(600); // under the limit for each stream, over it for the connection
  assert.equal(first.full, true);
  assert.equal(second.full, true);
  assert.equal(SendWindow.of(connection(), 1000)!.full, false, "another connection is not held");
});

Deno.test("a full window empties as the socket writes", () => {
  const session = connection();
  const window = SendWindow.of(session, 1000)!;
  window.add(1200);
  assert.equal(window.unsent, 1205); // with the 5-byte message prefix
  assert.equal(window.full, true);
  session.socket.bytesWritten = 1000;
  assert.equal(window.unsent, 205);
  assert.equal(window.full, false);
});

Deno.test("small messages count what they cost: eight one-byte messages fill a window of 1,000 bytes", () => {
  const window = SendWindow.of(connection(), 1000)!;
  for (let i = 0; i < 7; i++) window.add(1);
  assert.equal(window.full, false);
  window.add(1);
  assert.equal(window.unsent, 48); // 6 bytes each, and 128 of memory
  assert.equal(window.full, true);
});

Deno.test("waiting for a full window ends once half the limit is unsent, or when the call aborts", async () => {
  const session = connection();
  const window = SendWindow.of(session, 1000)!;
  window.add(1200);
  const controller = new AbortController();
  const waiting = window.drained(controller.signal, {});
  session.socket.bytesWritten = 800; // 405 unsent: under half the limit
  await waiting;
  assert.equal(window.full, false);

  window.add(2000);
  const aborted = window.drained(controller.signal, {});
  controller.abort();
  await aborted;
  assert.equal(window.unsent > 500, true, "the abort, not the socket, ended the wait");
});

Deno.test("a full connection that writes nothing lets a waiting stream try a message, unless it holds four times its limit", async () => {
  const session = connection();
  const window = SendWindow.of(session, 1000)!;
  window.add(4_995); // 5,000 unsent, with the prefix: over four times the limit
  const controller = new AbortController();
  let tried = false;
  const waiting = window.drained(controller.signal, {}).then(() => tried = true);
  await delay(200);
  assert.equal(tried, false, "held back past the ceiling");
  session.socket.bytesWritten = 2_000; // 3,000 unsent: full, under the ceiling, then quiet
  await waiting;
  assert.equal(window.unsent, 3_000, "let through to try a message, not drained");
});

Deno.test("a connection whose socket does not count its bytes has no window", () => {
  assert.equal(SendWindow.of({ socket: {} }), undefined);
  assert.equal(SendWindow.of(undefined), undefined);
});

Deno.test("a server stream to a client that stops reading is held back", async () => {
  const big = "x".repeat(16 * 1024);
  const limit = 5_000; // 80 MB, if nothing held the handler back
  let produced = 0;
  await using echo = await startEcho({
    async *Repeat() {
      while (produced < limit) yield msg(big, produced++);
    },
  });
  for await (const _ of echo.client.Repeat(msg(""))) {
    await delay(500); // the client reads one message, then stalls
    break;
  }
  assert.ok(produced < limit / 10, `the handler produced ${produced} messages ahead of the reader`);
});
