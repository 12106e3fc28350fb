import assert from "node:assert/strict";
import {
  type CallContext,
  type CallSummary,
  GrpcError,
  INT32_MAX,
  isGrpcError,
  Status,
} from "../lib/mod.ts";
import { sumService } from "../sum/handlers.ts";
import { MemoryStore } from "../sum/memory_store.ts";
import { RunningTotal } from "../sum/total.ts";
import type { ReplyMessage } from "../sum/api.ts";
import { collect, rejection, startSumServer, sumClient } from "./helpers.ts";

const nums = (...values: number[]) => values.map((num) => ({ num }));
const sums = (replies: ReplyMessage[]) => replies.map((reply) => reply.sum);

/** Resolves with the summary of the first call to `method` that ends. */
function callEnd(method: string) {
  const ended = Promise.withResolvers<CallSummary>();
  const onCallEnd = (summary: CallSummary) => {
    if (summary.method.endsWith(`/${method}`)) ended.resolve(summary);
  };
  return { onCallEnd, ended: ended.promise };
}

Deno.test("SumServer answers each number with the total right after it", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  assert.deepEqual(sums(await collect(client.SumServer(nums(1, 2, 3)))), [1, 3, 6]);
  assert.deepEqual(sums(await collect(client.SumServer(nums(-10)))), [-4]);
});

Deno.test("the tutorial's scenario: a new stream per number prints 1, 3, 6, 10, 15", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const printed = [];
  for (const n of [1, 2, 3, 4, 5]) {
    printed.push(...sums(await collect(client.SumServer(nums(n)))));
  }
  assert.deepEqual(printed, [1, 3, 6, 10, 15]);
});

Deno.test("Add adds one number and returns the new total", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 5 }), { sum: 5 });
  assert.deepEqual(await client.Add({ num: -7 }), { sum: -2 });
});

Deno.test("AddAll applies the batch as one change when the client half-closes", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  await client.Add({ num: 1 });
  const controller = new AbortController();
  const watched: number[] = [];
  const watching = (async () => {
    for await (const { sum } of client.Watch({}, { signal: controller.signal })) {
      watched.push(sum);
      if (sum === 11) controller.abort();
    }
  })().catch(() => {});
  assert.deepEqual(await client.AddAll(nums(1, 2, 3, 4)), { sum: 11 });
  await watching;
  assert.deepEqual(watched, [1, 11], "a watcher sees the batch as one change");
  assert.deepEqual(await client.AddAll([]), { sum: 11 });
});

Deno.test("AddAll applies nothing when the call ends before the client half-closes", async () => {
  const { onCallEnd, ended } = callEnd("AddAll");
  await using sum = await startSumServer({ onCallEnd });
  using client = sumClient(sum.target);
  async function* requests() {
    yield { num: 5 };
    yield { num: 6 };
    await new Promise(() => {}); // never half-closes
  }
  const error = await rejection(client.AddAll(requests(), { timeout: 300 }));
  assert.ok(isGrpcError(error, Status.DEADLINE_EXCEEDED));
  assert.equal((await ended).code, Status.DEADLINE_EXCEEDED);
  assert.equal(sum.total.value, 0);
});

Deno.test("two concurrent clients share one total", async () => {
  await using sum = await startSumServer();
  using first = sumClient(sum.target);
  using second = sumClient(sum.target);
  const ones = Array.from({ length: 200 }, () => ({ num: 1 }));
  const [a, b] = await Promise.all([
    collect(first.SumServer(ones)),
    collect(second.SumServer(ones)),
  ]);
  const all = [...sums(a), ...sums(b)].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 400 }, (_, i) => i + 1), "every total seen once");
  assert.equal(sum.total.value, 400);
});

Deno.test("a watcher sees the current total, then every change other clients make", async () => {
  await using sum = await startSumServer();
  using adder = sumClient(sum.target);
  using watcher = sumClient(sum.target);
  await adder.Add({ num: 10 });
  const controller = new AbortController();
  const seen: number[] = [];
  const first = Promise.withResolvers<void>();
  const watching = (async () => {
    for await (const { sum } of watcher.Watch({}, { signal: controller.signal })) {
      seen.push(sum);
      first.resolve();
      if (sum === 16) return;
    }
  })();
  await first.promise;
  await collect(adder.SumServer(nums(1, 2)));
  await adder.Add({ num: 3 });
  await watching;
  assert.deepEqual(seen, [10, 11, 13, 16]);
});

Deno.test("a watcher that cancels is let go by the server", async () => {
  const { onCallEnd, ended } = callEnd("Watch");
  await using sum = await startSumServer({ onCallEnd });
  using client = sumClient(sum.target);
  for await (const _ of client.Watch({})) break;
  assert.equal((await ended).code, Status.CANCELLED);
  assert.equal(sum.total.watchers, 0);
});

Deno.test("watchers are capped: past --max-watchers a Watch is refused RESOURCE_EXHAUSTED, and once one ends another is taken", async () => {
  const cancelled = Promise.withResolvers<void>();
  await using sum = await startSumServer({
    maxWatchers: 2,
    onCallEnd: ({ code }) => code === Status.CANCELLED && cancelled.resolve(),
  });
  using client = sumClient(sum.target);
  const controllers = [new AbortController(), new AbortController()];
  const first = controllers.map((controller) => {
    const watch = client.Watch({}, { signal: controller.signal })[Symbol.asyncIterator]();
    return watch.next().then(() => watch);
  });
  const open = await Promise.all(first);
  const refused = await rejection(collect(client.Watch({})));
  assert.ok(isGrpcError(refused, Status.RESOURCE_EXHAUSTED), String(refused));
  assert.match(
    refused.details,
    /^the server has 2 watchers, as many as it takes \(--max-watchers\)/,
  );
  controllers[0].abort();
  await open[0].next().catch(() => {});
  await cancelled.promise;
  assert.equal(sum.total.watchers, 1);
  const [{ sum: total }] = await collect(client.Watch({ current_only: true }));
  assert.equal(total, 0);
  controllers[1].abort();
  await open[1].next().catch(() => {});
});

Deno.test("SumServer keeps the replies already sent and ends with OUT_OF_RANGE; the total is unchanged", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  // Repeated: the replies before the error status and the status arrive
  // together, and no reply may be lost however the reads fall.
  for (let round = 0; round < 20; round++) {
    const before = sum.total.value;
    const replies: number[] = [];
    const error = await rejection((async () => {
      for await (const { sum } of client.SumServer(nums(1, 2, INT32_MAX, 4))) replies.push(sum);
    })());
    assert.deepEqual(replies, [before + 1, before + 3]);
    assert.ok(isGrpcError(error, Status.OUT_OF_RANGE));
    assert.match(error.details, new RegExp(`adding 2147483647 to the total ${before + 3}`));
    assert.equal(sum.total.value, before + 3);
  }
});

Deno.test("Add rejects an overflow with OUT_OF_RANGE and leaves the total unchanged", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  await client.Add({ num: -5 });
  const error = await rejection(client.Add({ num: -2147483648 }));
  assert.ok(isGrpcError(error, Status.OUT_OF_RANGE));
  assert.match(error.details, /adding -2147483648 to the total -5/);
  assert.equal(sum.total.value, -5);
});

Deno.test("AddAll rejects a batch that would overflow as a whole: nothing is applied", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const error = await rejection(client.AddAll(nums(7, INT32_MAX, 1)));
  assert.ok(isGrpcError(error, Status.OUT_OF_RANGE));
  assert.match(error.details, /batch of 3 numbers \(sum 2147483655\)/);
  assert.equal(sum.total.value, 0);
  // Within range only at the end: a batch is one change, not a sequence.
  assert.deepEqual(await client.AddAll(nums(INT32_MAX, 1, -1)), { sum: INT32_MAX });
});

Deno.test("a watch past its deadline ends with DEADLINE_EXCEEDED after the current total", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const seen: number[] = [];
  const error = await rejection((async () => {
    for await (const { sum } of client.Watch({}, { timeout: 200 })) seen.push(sum);
  })());
  assert.deepEqual(seen, [0]);
  assert.ok(isGrpcError(error, Status.DEADLINE_EXCEEDED));
});

Deno.test("shutdown ends watchers at once, gives open calls the grace period, then ends them UNAVAILABLE", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const watchStarted = Promise.withResolvers<void>();
  const watching = (async () => {
    for await (const _ of client.Watch({})) watchStarted.resolve();
  })();
  // An open SumServer call whose next number is sent only after shutdown began.
  const shutdownBegan = Promise.withResolvers<void>();
  const firstReply = Promise.withResolvers<void>();
  async function* requests() {
    yield { num: 1 };
    await shutdownBegan.promise;
    yield { num: 2 };
    await new Promise(() => {}); // never half-closes
  }
  const replies: number[] = [];
  const streaming = rejection((async () => {
    for await (const { sum } of client.SumServer(requests())) {
      replies.push(sum);
      firstReply.resolve();
    }
  })());
  await Promise.all([watchStarted.promise, firstReply.promise]);

  const shutdown = sum.server.shutdown({ graceMs: 500 });
  shutdownBegan.resolve();
  const watchError = await rejection(watching);
  assert.ok(isGrpcError(watchError, Status.UNAVAILABLE));
  assert.match(watchError.details, /shutting down/);

  assert.deepEqual(await shutdown, { forced: true });
  const streamError = await streaming;
  assert.ok(
    isGrpcError(streamError, Status.UNAVAILABLE),
    "the call open past the grace ends UNAVAILABLE",
  );
  assert.deepEqual(replies, [1, 3], "the number sent during the grace period was applied");
  assert.equal(sum.total.value, 3);
});

Deno.test("shutdown waits for an open call that finishes within the grace period", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  async function* requests() {
    yield { num: 1 };
    await release.promise;
    yield { num: 2 };
  }
  const streaming = (async () => {
    const replies = [];
    for await (const { sum } of client.SumServer(requests())) {
      replies.push(sum);
      started.resolve();
    }
    return replies;
  })();
  await started.promise;
  const shutdown = sum.server.shutdown({ graceMs: 5_000 });
  release.resolve();
  assert.deepEqual(await streaming, [1, 3]);
  assert.deepEqual(await shutdown, { forced: false });
});

Deno.test("the server keeps serving after 50 clients connect, stream and disconnect", async () => {
  await using sum = await startSumServer();
  for (let i = 0; i < 50; i++) {
    using client = sumClient(sum.target);
    const replies = await collect(client.SumServer(nums(1, 1, 1, 1)));
    assert.equal(replies.length, 4);
  }
  using last = sumClient(sum.target);
  assert.deepEqual(await last.Add({ num: 1 }), { sum: 201 });
});

Deno.test("a call the client cancelled is reported with the client's address, not 'unknown'", async () => {
  const { onCallEnd, ended } = callEnd("SumServer");
  await using sum = await startSumServer({ onCallEnd });
  using client = sumClient(sum.target);
  const controller = new AbortController();
  const release = Promise.withResolvers<void>();
  async function* requests() {
    yield { num: 1 };
    await release.promise;
  }
  await rejection((async () => {
    for await (const _ of client.SumServer(requests(), { signal: controller.signal })) {
      controller.abort();
    }
  })());
  release.resolve();
  const summary = await ended;
  assert.equal(summary.code, Status.CANCELLED);
  assert.match(summary.peer, /^(127\.0\.0\.1|\[::1\]):\d+$/);
});

Deno.test("a SumServer stream keyed for exactly-once takes its client_id from the first message; a resent stream is answered, not applied again", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const numbered = [3, 4, 5].map((num, i) => ({ num, seq: i + 1, client_id: i === 0 ? "k" : "" }));
  assert.deepEqual(await collect(client.SumServer(numbered)), [{ sum: 3 }, { sum: 7 }, {
    sum: 12,
  }]);
  const resent = [{ num: 4, seq: 2, client_id: "k" }, { num: 5, seq: 3 }, { num: 6, seq: 4 }];
  assert.deepEqual(await collect(client.SumServer(resent)), [{ sum: 7 }, { sum: 12 }, { sum: 18 }]);
  assert.equal(sum.total.value, 18);
});

Deno.test("a stream whose client_id changes, or that gives a seq without one, ends INVALID_ARGUMENT and applies nothing from there", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const replies: number[] = [];
  const changed = [{ num: 1, seq: 1, client_id: "a" }, { num: 1, seq: 2, client_id: "b" }, {
    num: 1,
    seq: 3,
  }];
  const error = await rejection((async () => {
    for await (const { sum } of client.SumServer(changed)) replies.push(sum);
  })());
  assert.ok(isGrpcError(error, Status.INVALID_ARGUMENT));
  assert.match(error.message, /client_id changed within the call, from a… to b…; not applied$/);
  assert.deepEqual(replies, [1]);
  const unkeyed = await rejection(client.Add({ num: 1, seq: 7 }));
  assert.ok(isGrpcError(unkeyed, Status.INVALID_ARGUMENT));
  assert.match(unkeyed.message, /seq 7 given without a client_id/);
  assert.equal(sum.total.value, 1);
});

Deno.test("deadlines beyond 2^31 ms (25 days and more) hold: a Watch with a 30-day or a 50-day deadline stays open", async () => {
  await using sum = await startSumServer();
  using client = sumClient(sum.target);
  const DAY = 24 * 3_600_000;
  for (const timeout of [30 * DAY, 2 ** 32 + 500]) {
    const controller = new AbortController();
    const seen: number[] = [];
    const watching = (async () => {
      for await (const { sum } of client.Watch({}, { timeout, signal: controller.signal })) {
        seen.push(sum);
      }
    })();
    const ended = watching.then(() => "ended", (error) => String(error));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past what grpc-js would allow
    await client.Add({ num: 1 });
    const before = await Promise.race([
      ended,
      new Promise((r) => setTimeout(() => r("open"), 500)),
    ]);
    assert.equal(before, "open", `timeout ${timeout} ms`);
    controller.abort();
    assert.match(await ended, /CANCELLED/);
    assert.equal(seen.at(-1), seen.length - 1 + seen[0], "it saw the new total");
  }
});

Deno.test("while the server drains, a current-only Watch is still answered (a client that connected just before the GOAWAY gets its total); a following Watch ends UNAVAILABLE", async () => {
  const total = new RunningTotal(new MemoryStore());
  await total.add(5);
  const draining = AbortSignal.abort(
    new GrpcError(Status.UNAVAILABLE, "the server is shutting down"),
  );
  const { Watch } = sumService({ total, draining });
  const context = { signal: new AbortController().signal } as CallContext;
  assert.deepEqual(await Array.fromAsync(Watch!({ current_only: true }, context)), [{ sum: 5 }]);
  await assert.rejects(Array.fromAsync(Watch!({}, context)), /the server is shutting down/);
});
