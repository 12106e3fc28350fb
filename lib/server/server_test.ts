import assert from "node:assert/strict";
import http2 from "node:http2";
import {
  experimental,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { GrpcError, isGrpcError, Status, statusName } from "../mod.ts";
import { abortReason, type Message, msg, startEcho } from "../../tests/fixtures/echo.ts";
import { collect, rejection } from "../../testing/async.ts";

/** Repeat answering `count` responses, numbered from 0. */

const repeatCount = {
  async *Repeat({ text, count }: Message) {
    for (let i = 0; i < count; i++) yield msg(text, i);
  },
};

/** A grpc-js server interceptor that holds every other response back a little. */

function holdEveryOther(): ServerInterceptor {
  let sent = 0;
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      sendMessage: (message, next) => setTimeout(() => next(message), sent++ % 2 ? 0 : 4),
    });
}

const hundred = Array.from({ length: 100 }, (_, i) => msg("x", i));

Deno.test("unary call returns the handler's response", async () => {
  await using echo = await startEcho({ Say: ({ text }) => msg(text.toUpperCase()) });
  assert.deepEqual(await echo.client.Say(msg("hi")), msg("HI"));
});

Deno.test("client-streaming handler receives every request until the client half-closes", async () => {
  await using echo = await startEcho({
    async Collect(requests) {
      const texts = [];
      for await (const { text } of requests) texts.push(text);
      return msg(texts.join(","), texts.length);
    },
  });
  assert.deepEqual(await echo.client.Collect([msg("a"), msg("b"), msg("c")]), msg("a,b,c", 3));
  assert.deepEqual(await echo.client.Collect([]), msg("", 0));
});

Deno.test("server-streaming responses arrive in order and end with the handler", async () => {
  await using echo = await startEcho(repeatCount);
  const replies = await collect(echo.client.Repeat(msg("x", 3)));
  assert.deepEqual(replies, [msg("x", 0), msg("x", 1), msg("x", 2)]);
});

Deno.test("server streams keep their responses in order behind an interceptor in the server's options", async () => {
  await using echo = await startEcho(repeatCount, {
    options: { interceptors: [holdEveryOther()] },
  });
  assert.deepEqual(await collect(echo.client.Repeat(msg("x", 100))), hundred);
});

Deno.test("server streams keep their responses in order behind an interceptor in the server's credentials", async () => {
  const credentials = experimental.createServerCredentialsWithInterceptors(
    ServerCredentials.createInsecure(),
    [holdEveryOther()],
  );
  await using echo = await startEcho(repeatCount, {}, credentials);
  assert.deepEqual(await collect(echo.client.Repeat(msg("x", 100))), hundred);
});

Deno.test("a response over max_send_message_length ends a server stream with RESOURCE_EXHAUSTED after the ones before it", async () => {
  await using echo = await startEcho({
    async *Repeat() {
      yield msg("small", 0);
      yield msg("x".repeat(1_000), 1);
      yield msg("small", 2);
    },
  }, { options: { "grpc.max_send_message_length": 100 } });
  const received: Message[] = [];
  const error = await rejection((async () => {
    for await (const reply of echo.client.Repeat(msg(""))) received.push(reply);
  })());
  assert.ok(isGrpcError(error, Status.RESOURCE_EXHAUSTED), String(error));
  assert.deepEqual(received, [msg("small", 0)]);
});

Deno.test("bidi call answers each request while the client is still sending", async () => {
  await using echo = await startEcho({
    async *Chat(requests) {
      for await (const { text, count } of requests) yield msg(text, count + 1);
    },
  });
  // Each request is sent only after the reply to the previous one arrived:
  // this deadlocks unless both directions run at once.
  let lastReply = Promise.withResolvers<Message>();
  async function* requests() {
    let count = 0;
    for (let i = 0; i < 5; i++) {
      yield msg("ping", count);
      count = (await lastReply.promise).count;
      lastReply = Promise.withResolvers();
    }
  }
  const counts = [];
  for await (const reply of echo.client.Chat(requests())) {
    counts.push(reply.count);
    lastReply.resolve(reply);
  }
  assert.deepEqual(counts, [1, 2, 3, 4, 5]);
});

Deno.test("a GrpcError thrown by a handler reaches the client with its code, details and trailers", async () => {
  await using echo = await startEcho({
    Say(_request, context) {
      context.trailer.set("x-reason", "quota");
      throw new GrpcError(Status.RESOURCE_EXHAUSTED, "quota used up");
    },
    async *Repeat() {
      yield msg("first");
      throw new GrpcError(Status.NOT_FOUND, "no second");
    },
  });
  const error = await rejection(echo.client.Say(msg("")));
  assert.ok(isGrpcError(error, Status.RESOURCE_EXHAUSTED));
  assert.equal(error.details, "quota used up");
  assert.deepEqual(error.metadata.get("x-reason"), ["quota"]);

  const received: Message[] = [];
  const streamError = await rejection((async () => {
    for await (const reply of echo.client.Repeat(msg(""))) received.push(reply);
  })());
  assert.deepEqual(received, [msg("first")]);
  assert.ok(isGrpcError(streamError, Status.NOT_FOUND));
});

Deno.test("a GrpcError a handler throws is never modified: a shared one carries each call's trailers alone", async () => {
  const shared = new GrpcError(Status.FAILED_PRECONDITION, "not now");
  await using echo = await startEcho({
    Say(_request, context) {
      context.trailer.set("x-request", "1");
      throw shared;
    },
  });
  for (let call = 0; call < 3; call++) {
    const error = await rejection(echo.client.Say(msg("")));
    assert.ok(isGrpcError(error, Status.FAILED_PRECONDITION));
    assert.deepEqual(error.metadata.get("x-request"), ["1"]);
  }
  assert.deepEqual(shared.metadata.get("x-request"), []);
});

Deno.test("an unexpected handler error becomes INTERNAL with a generic message and is reported", async () => {
  const reported: unknown[] = [];
  await using echo = await startEcho({
    Say() {
      throw new TypeError("secret internals");
    },
  }, { onUnexpectedError: (error) => reported.push(error) });
  const error = await rejection(echo.client.Say(msg("")));
  assert.ok(isGrpcError(error, Status.INTERNAL));
  assert.equal(error.details, "internal error");
  assert.equal(reported.length, 1);
  assert.equal((reported[0] as Error).message, "secret internals");
});

Deno.test("a client-streaming handler sees a cancelled call as an error, never as the end of the requests", async () => {
  const outcome = Promise.withResolvers<string>();
  const received = Promise.withResolvers<void>();
  await using echo = await startEcho({
    async Collect(requests) {
      let count = 0;
      try {
        for await (const _ of requests) if (++count === 2) received.resolve();
        outcome.resolve("completed");
      } catch (error) {
        outcome.resolve(isGrpcError(error) ? statusName(error.code) : String(error));
      }
      return msg("");
    },
  });
  async function* requests() {
    yield msg("a");
    yield msg("b");
    await new Promise(() => {}); // never half-closes
  }
  const controller = new AbortController();
  const call = echo.client.Collect(requests(), { signal: controller.signal });
  await received.promise;
  controller.abort();
  assert.ok(isGrpcError(await rejection(call), Status.CANCELLED));
  assert.equal(await outcome.promise, "CANCELLED");
});

Deno.test("a passed deadline fails the call with DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
  const handlerAborted = Promise.withResolvers<GrpcError>();
  let handlerDeadline: Date | undefined;
  await using echo = await startEcho({
    async Say(request, context) {
      handlerDeadline = context.deadline;
      handlerAborted.resolve(await abortReason(context));
      return request;
    },
  });
  const error = await rejection(echo.client.Say(msg(""), { timeout: 200 }));
  assert.ok(isGrpcError(error, Status.DEADLINE_EXCEEDED));
  assert.equal((await handlerAborted.promise).code, Status.DEADLINE_EXCEEDED);
  assert.ok(handlerDeadline instanceof Date);
});

Deno.test("shutdown aborts draining, waits for open calls within the grace period, then ends them UNAVAILABLE", async () => {
  const handlerAborted = Promise.withResolvers<GrpcError>();
  const started = Promise.withResolvers<void>();
  await using echo = await startEcho({
    async *Repeat(_request, context) {
      abortReason(context).then(handlerAborted.resolve);
      yield msg("open");
      await abortReason(context);
    },
  });
  const call = rejection((async () => {
    for await (const _ of echo.client.Repeat(msg(""))) started.resolve();
  })());
  await started.promise;
  const { forced } = await echo.server.shutdown({ graceMs: 100 });
  assert.ok(echo.server.draining.aborted);
  assert.equal(echo.server.draining.reason.code, Status.UNAVAILABLE);
  assert.equal(forced, true);
  assert.equal((await handlerAborted.promise).code, Status.UNAVAILABLE);
  const error = await call;
  assert.ok(isGrpcError(error, Status.UNAVAILABLE));
  assert.equal(error.details, "the server is shutting down");
});

Deno.test("a forced shutdown closes the connection of a call whose status cannot be sent", async () => {
  const started = Promise.withResolvers<void>();
  const big = "x".repeat(64 * 1024);
  await using echo = await startEcho({
    async *Repeat(_request, context) {
      started.resolve();
      while (!context.signal.aborted) yield msg(big);
    },
  });
  // A peer that asks for the stream and never reads it: the responses fill
  // its flow-control window, and the status would queue behind them.
  const session = http2.connect(`http://localhost:${echo.port}`);
  session.on("error", () => {});
  const closed = new Promise<void>((resolve) => session.once("close", resolve));
  const stream = session.request({
    ":method": "POST",
    ":path": "/echo.Echo/Repeat",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  stream.pause();
  stream.end(new Uint8Array(5)); // one empty message
  await started.promise;
  assert.deepEqual(await echo.server.shutdown({ graceMs: 0 }), { forced: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stillOpen = new Promise<boolean>((resolve) => timer = setTimeout(resolve, 5_000, true));
  const open = await Promise.race([closed.then(() => false), stillOpen]);
  clearTimeout(timer);
  session.destroy();
  assert.equal(open, false, "the connection was still open 5 s after the shutdown");
});
