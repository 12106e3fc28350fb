import assert from "node:assert/strict";
import { TotalFeed, TotalsMissed, WATCH_BACKLOG } from "./total_feed.ts";
import { rejection } from "../testing/async.ts";

/** Follows `feed` from 0 until it has seen `last`. */
async function followUntil(feed: TotalFeed, last: number): Promise<number[]> {
  const controller = new AbortController();
  const seen: number[] = [];
  for await (const total of feed.follow(0, controller.signal)) {
    seen.push(total);
    if (total === last) break;
  }
  return seen;
}

Deno.test("a watcher hears every total of a burst heard at once, as a worker that stalled hears the others' commits", async () => {
  const feed = new TotalFeed();
  const burst = numbers(50_000);
  const following = followUntil(feed, 50_000);
  await Promise.resolve();
  feed.append(burst);
  assert.deepEqual(await following, [0, ...burst]);
});

Deno.test("a watcher more than the backlog behind ends with TotalsMissed rather than skip the totals the feed no longer holds", async () => {
  const feed = new TotalFeed();
  const count = WATCH_BACKLOG + 10;
  const controller = new AbortController();
  const seen: number[] = [];
  const following = (async () => {
    for await (const total of feed.follow(0, controller.signal)) {
      seen.push(total);
      // Reads the current total, then nothing until the feed has moved on.
      if (total === 0) await Promise.resolve().then(() => feed.append(numbers(count)));
    }
  })();
  const error = await rejection(following);
  assert.ok(error instanceof TotalsMissed, String(error));
  assert.equal(
    error.message,
    `this watcher fell ${count} totals behind, more than the ${WATCH_BACKLOG} the server keeps ` +
      "for it (it read slower than totals were committed); watch again",
  );
  assert.deepEqual(seen, [0]);
});

Deno.test("a watcher exactly the backlog behind misses nothing", async () => {
  const feed = new TotalFeed();
  const following = followUntil(feed, WATCH_BACKLOG);
  await Promise.resolve();
  feed.append(numbers(WATCH_BACKLOG));
  assert.deepEqual(await following, [0, ...numbers(WATCH_BACKLOG)]);
});

/** 1, 2, … `count`. */
function numbers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
