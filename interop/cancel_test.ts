import assert from "node:assert/strict";
import { type CallSummary, Inbox, statusName } from "../lib/mod.ts";
import { connect, type InteropClients, libCases } from "./lib_cases.ts";
import { serveTestService } from "./lib_server.ts";

/** How long the server may take to see a cancellation sent over a local connection. */
const SEEN_WITHIN_MS = 2_000;

/**
 * Runs `cancelledCall` on a connected channel, then checks that the server saw
 * its call to `method` end as CANCELLED: a call cancelled on the client must
 * not stay open on the server (nor keep the client's connection busy).
 */
async function assertServerSeesCancel(
  method: string,
  cancelledCall: (clients: InteropClients) => Promise<void>,
): Promise<void> {
  const ended = Promise.withResolvers<CallSummary>();
  const { server, port } = await serveTestService({
    onCallEnd: (call) => call.method.endsWith(`/${method}`) && ended.resolve(call),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    using clients = connect(`localhost:${port}`);
    await libCases.empty_unary(clients); // connected, as when the interop cases run
    await cancelledCall(clients);
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SEEN_WITHIN_MS);
    });
    const call = await Promise.race([ended.promise, late]);
    assert.ok(call, `after ${SEEN_WITHIN_MS} ms the server still had the cancelled call open`);
    assert.equal(statusName(call.code), "CANCELLED");
  } finally {
    clearTimeout(timer);
    await server.shutdown({ graceMs: 0 });
  }
}

Deno.test("cancel_after_begin: the server sees the cancellation too", async () => {
  await assertServerSeesCancel("StreamingInputCall", libCases.cancel_after_begin);
});

Deno.test("leaving a response loop as soon as the call starts cancels it on the server", async () => {
  await assertServerSeesCancel("FullDuplexCall", async ({ test }) => {
    const requests = new Inbox<never>();
    await test.FullDuplexCall(requests)[Symbol.asyncIterator]().return?.();
    requests.end();
  });
});
