import assert from "node:assert/strict";
import { Client as RawClient, credentials, type ServiceError } from "@grpc/grpc-js";
import { type CallSummary, createChannel, createClient, isGrpcError, Status } from "../lib/mod.ts";
import { collect, Health, rejection, startSumServer, sumClient } from "./helpers.ts";

/** Sends `bytes` as the request of the unary Add, bypassing serialization. */
function sendRawAdd(target: string, bytes: Uint8Array): Promise<ServiceError> {
  const raw = new RawClient(target, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(
      "/sum.SumService/Add",
      (value: Uint8Array) => Buffer.from(value),
      (value: Buffer) => value,
      bytes,
      (error) => {
        raw.close();
        if (error) resolve(error);
        else reject(new Error("the server accepted the bytes"));
      },
    );
  });
}

/** The first call summary with `code`, from a server given `onCallEnd`. */
function firstEnded(code: Status) {
  const ended = Promise.withResolvers<CallSummary>();
  const onCallEnd = (summary: CallSummary) => {
    if (summary.code === code) ended.resolve(summary);
  };
  return { onCallEnd, ended: ended.promise };
}

Deno.test("a request over the size limit gets RESOURCE_EXHAUSTED, is reported like any call, and the server carries on", async () => {
  const { onCallEnd, ended } = firstEnded(Status.RESOURCE_EXHAUSTED);
  await using sum = await startSumServer({
    options: { "grpc.max_receive_message_length": 1024 },
    onCallEnd,
  });
  const error = await sendRawAdd(sum.target, new Uint8Array(2048));
  assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
  const summary = await ended;
  assert.equal(summary.method, "/sum.SumService/Add");
  assert.match(summary.peer, /^(127\.0\.0\.1|\[::1\]):\d+$/);
  assert.match(summary.details, /larger than max/i);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 7 }), { sum: 7 });
});

Deno.test("bytes that are not a RequestMessage fail the call, are reported, change nothing, and the server carries on", async () => {
  const { onCallEnd, ended } = firstEnded(Status.INTERNAL);
  await using sum = await startSumServer({ onCallEnd });
  // Field 1 as a length-delimited string longer than the message.
  const error = await sendRawAdd(sum.target, new Uint8Array([0x0a, 0x7f, 0x01]));
  assert.equal(error.code, Status.INTERNAL);
  assert.equal((await ended).method, "/sum.SumService/Add");
  assert.equal(sum.total.value, 0);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 1 });
});

Deno.test("client ids that are not valid UTF-8 are refused, not merged: \\xff\\xfe and \\xfe\\xff would both decode to U+FFFD U+FFFD", async () => {
  await using sum = await startSumServer();
  for (const id of [[0xff, 0xfe], [0xfe, 0xff]]) {
    // num = 5 (field 1), client_id = id (field 2), seq = 1 (field 3)
    const request = new Uint8Array([0x08, 5, 0x12, id.length, ...id, 0x18, 1]);
    const error = await sendRawAdd(sum.target, request);
    assert.equal(error.code, Status.INVALID_ARGUMENT);
    assert.equal(
      error.details,
      "client_id is not valid UTF-8, or holds control characters; not applied",
    );
  }
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: 0 }, "nothing applied");
});

Deno.test("a string whose length runs past the end of the request is refused, not shortened to the bytes there", async () => {
  await using sum = await startSumServer();
  // num = 5, then client_id said to be 3 bytes long with 1 there.
  const error = await sendRawAdd(sum.target, new Uint8Array([0x08, 5, 0x12, 3, 0x61]));
  assert.equal(error.code, Status.INTERNAL);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: 0 }, "nothing applied");
});

Deno.test("calls beyond the per-connection stream limit wait for a free stream instead of failing", async () => {
  await using sum = await startSumServer({ options: { "grpc.max_concurrent_streams": 2 } });
  using client = sumClient(sum.target);
  const controller = new AbortController();
  const watching = [0, 1].map(async () => {
    for await (const _ of client.Watch({}, { signal: controller.signal }));
  });
  const adds = Promise.all([1, 2, 3].map((num) => client.Add({ num })));
  const settled = await Promise.race([
    adds.then(() => "added"),
    new Promise((r) => setTimeout(r, 300, "waiting")),
  ]);
  controller.abort();
  for (const watch of watching) assert.ok(isGrpcError(await rejection(watch), Status.CANCELLED));
  const sums = (await adds).map((reply) => reply.sum).sort((a, b) => a - b);
  assert.equal(sums.at(-1), 6);
  assert.equal(settled, "waiting", "the adds waited while both streams were taken");
});

Deno.test("keepalive pings keep an idle stream open", async () => {
  await using sum = await startSumServer({
    options: { "grpc.keepalive_time_ms": 100, "grpc.keepalive_timeout_ms": 1_000 },
  });
  using watcher = sumClient(sum.target);
  using adder = sumClient(sum.target);
  const seen: number[] = [];
  const first = Promise.withResolvers<void>();
  const watching = (async () => {
    for await (const { sum } of watcher.Watch({})) {
      seen.push(sum);
      first.resolve();
      if (sum === 1) return;
    }
  })();
  await first.promise;
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // idle: ten keepalive pings
  await adder.Add({ num: 1 });
  await watching;
  assert.deepEqual(seen, [0, 1]);
});

Deno.test("with a maximum connection age, clients keep working across reconnections", async () => {
  await using sum = await startSumServer({
    maxConnectionAgeMs: 200,
    maxConnectionAgeGraceMs: 1_000,
  });
  using client = sumClient(sum.target);
  for (let i = 1; i <= 8; i++) {
    assert.deepEqual(await client.Add({ num: 1 }), { sum: i });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual((await collect(client.SumServer([{ num: 1 }]))).map((r) => r.sum), [9]);
});

Deno.test("with a maximum connection age, a stream still open when the grace ends gets UNAVAILABLE, which clients retry, and is logged so", async () => {
  const ended = Promise.withResolvers<CallSummary>();
  await using sum = await startSumServer({
    maxConnectionAgeMs: 300,
    maxConnectionAgeGraceMs: 300,
    onCallEnd: (summary) => {
      if (summary.method.endsWith("/SumServer")) ended.resolve(summary);
    },
  });
  using client = sumClient(sum.target);
  const release = Promise.withResolvers<void>();
  async function* requests() {
    yield { num: 1 };
    await release.promise;
  }
  const replies: number[] = [];
  const error = await rejection((async () => {
    for await (const { sum } of client.SumServer(requests())) replies.push(sum);
  })());
  release.resolve();
  assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
  assert.equal(error.details, "the connection reached its maximum age");
  assert.deepEqual(replies, [1]);
  const summary = await ended.promise;
  assert.equal(summary.code, Status.UNAVAILABLE);
  assert.equal(summary.details, "the connection reached its maximum age");
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 2 }, "the client goes on, reconnected");
});

Deno.test("with a maximum connection age, a health watch still open when the grace ends gets UNAVAILABLE too", async () => {
  await using sum = await startSumServer({ maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 300 });
  const channel = createChannel(sum.target);
  try {
    const statuses: string[] = [];
    const error = await rejection((async () => {
      for await (const { status } of createClient(Health, channel).Watch({ service: "" })) {
        statuses.push(status);
      }
    })());
    assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
    assert.equal(error.details, "the connection reached its maximum age");
    assert.deepEqual(statuses, ["SERVING"]);
  } finally {
    channel.close();
  }
});
