import assert from "node:assert/strict";
import { TotalFeed, WATCH_BACKLOG } from "./total_feed.ts";

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
  const burst = Array.from({ length: 50_000 }, (_, i) => i + 1);
  const following = followUntil(feed, 50_000);
  await Promise.resolve();
  feed.append(burst);
  assert.deepEqual(await following, [0, ...burst]);
});

Deno.test("a watcher more than the backlog behind skips the oldest totals it was not sent, and ends up current", async () => {
  const feed = new TotalFeed();
  const count = WATCH_BACKLOG + 10;
  const following = followUntil(feed, count);
  await Promise.resolve();
  feed.append(Array.from({ length: count }, (_, i) => i + 1));
  const [current, ...sent] = await following;
  assert.equal(current, 0);
  assert.equal(sent.length, WATCH_BACKLOG);
  assert.equal(sent[0], 11);
  assert.equal(sent.at(-1), count);
});
