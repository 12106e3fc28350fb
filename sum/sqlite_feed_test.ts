import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FEED_LENGTH, FEED_SCHEMA, SqliteFeed } from "./sqlite_feed.ts";

/** Two connections to one new file, as two processes have. */
async function twoConnections() {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const [mine, theirs] = [new DatabaseSync(path), new DatabaseSync(path)];
  mine.exec(FEED_SCHEMA);
  return {
    writer: new SqliteFeed(mine),
    reader: new SqliteFeed(theirs),
    mine,
    async [Symbol.asyncDispose]() {
      mine.close();
      theirs.close();
      await Deno.remove(path);
    },
  };
}

Deno.test("a process that fell more than the feed's length behind is told how many commits it missed, then reads on", async () => {
  await using file = await twoConnections();
  for (let i = 1; i <= FEED_LENGTH + 100; i++) file.writer.append([i]);
  const { totals, gap } = file.reader.read();
  assert.equal(
    gap,
    "100 commits of other servers were trimmed from the file before this server read them (it keeps the last 1,000)",
  );
  assert.deepEqual(totals, Array.from({ length: FEED_LENGTH }, (_, i) => i + 101));
  file.writer.append([-5]);
  assert.deepEqual(file.reader.read(), { totals: [-5] });
});

Deno.test("a row the store did not write is a gap, told once, not a total shown to watchers", async () => {
  await using file = await twoConnections();
  file.writer.append([1]);
  file.mine.prepare("INSERT INTO feed (n, totals) VALUES (2, ?)").run(new Uint8Array(3));
  const news = file.reader.read();
  assert.deepEqual(news.totals, [1]);
  assert.match(news.gap ?? "", /holds a row this store did not write \(n=2\)/);
  file.writer.read();
  file.writer.append([2]);
  assert.deepEqual(file.reader.read(), { totals: [2] }, "told once; the next commit follows it");
});

Deno.test("a commit rolled back is read again: rewind goes back to the position before it", async () => {
  await using file = await twoConnections();
  file.writer.append([4]);
  const before = file.reader.position;
  assert.deepEqual(file.reader.read(), { totals: [4] });
  file.reader.rewind(before);
  assert.deepEqual(file.reader.read(), { totals: [4] });
});
