import assert from "node:assert/strict";
import { QUIET_MS, RETRY_MAX_MS, StuckStreams, TRY_MS } from "./stuck_streams.ts";

/** A full connection holding 10,000 bytes no reader takes, whose socket last wrote at 0. */
function fullConnection() {
  const streams = new StuckStreams(1_000);
  const connection = { held: 10_000, written: 500 };
  const mayWrite = (stream: object, now: number) =>
    streams.mayWrite(stream, connection.held, connection.written, now);
  return { streams, connection, mayWrite };
}

Deno.test("a stream whose message leaves a quiet full connection writes on; one whose message stays waits", () => {
  const { connection, mayWrite } = fullConnection();
  const [stopped, flowing] = [{}, {}];
  assert.equal(mayWrite(stopped, 0), false, "the connection has not been quiet yet");
  assert.equal(mayWrite(stopped, QUIET_MS), true, "tried: one message");
  connection.held += 10; // its message stays
  assert.equal(mayWrite(flowing, QUIET_MS + 1), false, "the others wait while one is tried");
  assert.equal(mayWrite(stopped, QUIET_MS + TRY_MS + 1), false, "its message stayed: it stopped");
  assert.equal(
    mayWrite(flowing, QUIET_MS + TRY_MS + 2),
    true,
    "tried next, on the quiet connection",
  );
  connection.written += 10; // its message left: the bytes held are as before
  assert.equal(mayWrite(flowing, QUIET_MS + TRY_MS + 3), true, "it flows: it writes on");
  assert.equal(mayWrite(flowing, QUIET_MS + TRY_MS + 4), true);
  assert.equal(mayWrite(stopped, QUIET_MS + TRY_MS + 5), false, "the stopped one still waits");
});

Deno.test("streams joining a connection that flows write at once; the flowing ones may add only the allowance between them", () => {
  const { connection, mayWrite } = fullConnection();
  const [first, second] = [{}, {}];
  mayWrite(first, 0);
  assert.equal(mayWrite(first, QUIET_MS), true);
  connection.written += 10; // the message left, so the held bytes are as before
  assert.equal(mayWrite(first, QUIET_MS + 1), true);
  assert.equal(mayWrite(second, QUIET_MS + 2), true, "joins at once");
  connection.held += 1_000; // the group's bytes now stay: one of them stopped
  assert.equal(mayWrite(second, QUIET_MS + 3), true, "within the allowance");
  connection.held += 1;
  assert.equal(mayWrite(first, QUIET_MS + 4), false, "past it, each is tried again");
  assert.equal(mayWrite(second, QUIET_MS + 5), false);
});

Deno.test("a stopped stream is tried again after a pause that doubles, up to a limit", () => {
  const { connection, mayWrite } = fullConnection();
  const stopped = {};
  const tries: number[] = [];
  for (let now = 0; now < 20_000; now++) {
    if (mayWrite(stopped, now)) {
      tries.push(now);
      connection.held += 10; // its message stays
    }
  }
  const pauses = tries.slice(1).map((at, i) => at - tries[i]);
  assert.ok(pauses.every((pause, i) => i === 0 || pause >= pauses[i - 1]), String(pauses));
  assert.equal(Math.max(...pauses) <= RETRY_MAX_MS + QUIET_MS + TRY_MS + 2, true, String(pauses));
  assert.ok(tries.length <= 10, `${tries.length} messages in 20 s from a stream that reads none`);
});

Deno.test("once the connection is no longer full, every stream starts afresh", () => {
  const { streams, connection, mayWrite } = fullConnection();
  const stopped = {};
  mayWrite(stopped, 0);
  mayWrite(stopped, QUIET_MS);
  connection.held += 10;
  assert.equal(mayWrite(stopped, QUIET_MS + TRY_MS + 1), false);
  streams.reset();
  connection.held = 10_000;
  assert.equal(mayWrite(stopped, 1_000), false, "a new episode waits for quiet first");
  assert.equal(
    mayWrite(stopped, 1_000 + QUIET_MS),
    true,
    "and tries it at once, without its old pause",
  );
});
