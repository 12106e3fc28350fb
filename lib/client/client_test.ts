import assert from "node:assert/strict";
import { GrpcError, isGrpcError, Metadata, Status } from "../mod.ts";
import { abortReason, msg, startEcho } from "../../tests/fixtures/echo.ts";
import { collect, delay, rejection } from "../../testing/async.ts";

Deno.test("aborting the client's signal cancels the call and aborts the handler's signal", async () => {
  const handlerAborted = Promise.withResolvers<GrpcError>();
  const started = Promise.withResolvers<void>();
  await using echo = await startEcho({
    async *Repeat(_request, context) {
      abortReason(context).then(handlerAborted.resolve);
      yield msg("started");
      await abortReason(context);
    },
  });
  const controller = new AbortController();
  const call = (async () => {
    for await (const _ of echo.client.Repeat(msg(""), { signal: controller.signal })) {
      started.resolve();
    }
  })();
  await started.promise;
  controller.abort();
  assert.ok(isGrpcError(await rejection(call), Status.CANCELLED));
  assert.equal((await handlerAborted.promise).code, Status.CANCELLED);
});

Deno.test("leaving a response loop early cancels the call on the server", async () => {
  const handlerAborted = Promise.withResolvers<GrpcError>();
  await using echo = await startEcho({
    async *Chat(requests, context) {
      abortReason(context).then(handlerAborted.resolve);
      for await (const request of requests) yield request;
    },
  });
  async function* endless() {
    for (let i = 0;; i++) yield msg("n", i);
  }
  for await (const reply of echo.client.Chat(endless())) {
    if (reply.count === 2) break;
  }
  assert.equal((await handlerAborted.promise).code, Status.CANCELLED);
});

Deno.test("an already-aborted signal fails the call without sending it", async () => {
  let calls = 0;
  await using echo = await startEcho({ Say: (request) => (calls++, request) });
  const error = await rejection(echo.client.Say(msg(""), { signal: AbortSignal.abort() }));
  assert.ok(isGrpcError(error, Status.CANCELLED));
  assert.equal(calls, 0);
});

Deno.test("request headers reach the handler; response headers and trailers reach the client", async () => {
  await using echo = await startEcho({
    async *Repeat(_request, context) {
      const [id] = context.metadata.get("x-request-id");
      context.sendHeader({ "x-echo-id": String(id) });
      context.trailer.set("x-items", "1");
      yield msg("only");
    },
  });
  const header = Promise.withResolvers<Metadata>();
  const trailer = Promise.withResolvers<Metadata>();
  const replies = await collect(echo.client.Repeat(msg(""), {
    metadata: { "x-request-id": "42" },
    onHeader: header.resolve,
    onTrailer: trailer.resolve,
  }));
  assert.deepEqual(replies, [msg("only")]);
  assert.deepEqual((await header.promise).get("x-echo-id"), ["42"]);
  assert.deepEqual((await trailer.promise).get("x-items"), ["1"]);
});

Deno.test("an error thrown by the request iterable cancels the call and is rethrown as is", async () => {
  const handlerAborted = Promise.withResolvers<GrpcError>();
  await using echo = await startEcho({
    async Collect(requests, context) {
      abortReason(context).then(handlerAborted.resolve);
      for await (const _ of requests) { /* reads until cancelled */ }
      return msg("");
    },
  });
  const broken = new Error("input broke");
  async function* requests() {
    yield msg("a");
    await delay(50);
    throw broken;
  }
  assert.equal(await rejection(echo.client.Collect(requests())), broken);
  assert.equal((await handlerAborted.promise).code, Status.CANCELLED);
});
