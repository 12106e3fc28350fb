/**
 * The total in an SQLite file, the default: real files in temporary folders,
 * and `server.ts` as a real program where it is stopped, killed or refused.
 */
import assert from "node:assert/strict";
import { INT32_MAX, isGrpcError, Status } from "../lib/mod.ts";
import { SqliteStore } from "../sum/sqlite_store.ts";
import type { Change, TotalStore } from "../sum/store.ts";
import {
  collect,
  refusedMidStream,
  rejection,
  startProgram,
  startServerProgram,
  startSumServer,
  sumClient,
  totalAt,
} from "./helpers.ts";

/** A folder of its own for a test; removed when disposed. */
async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "sum-sqlite-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A tmpfs of `size` mounted on a new folder; unmounted when disposed. Needs root. */
async function tmpfs(size: string, mode: "rw" | "ro" = "rw") {
  const dir = await tempDir();
  const mount = (...args: string[]) => new Deno.Command("mount", { args }).output();
  const mounted = await mount("-t", "tmpfs", "-o", `size=${size},${mode}`, "tmpfs", dir.path);
  if (!mounted.success) throw new Error(new TextDecoder().decode(mounted.stderr));
  return {
    path: dir.path,
    remount: (option: string) => mount("-o", `remount,${option}`, dir.path),
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [dir.path] }).output();
      await dir[Symbol.asyncDispose]();
    },
  };
}

const asRoot = { ignore: Deno.uid() !== 0 };

Deno.test("deno task server keeps its total in sum.db where it runs: stopped and started, it answers with the same total", async () => {
  await using dir = await tempDir();
  {
    await using server = await startServerProgram([], { cwd: dir.path });
    using client = sumClient(server.target);
    assert.deepEqual((await collect(client.SumServer([{ num: 5 }, { num: 6 }]))).at(-1), {
      sum: 11,
    });
    server.process.kill("SIGTERM");
    assert.equal(await server.exit(), 0);
  }
  assert.ok((await Deno.stat(`${dir.path}/sum.db`)).isFile);
  await using again = await startServerProgram([], { cwd: dir.path });
  await again.stderr.waitFor(/info serving .* store=sqlite:sum\.db total=11\n/, 10_000);
  using client = sumClient(again.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 12 });
});

Deno.test("a second server on the same file fails at start with one line naming the file", async () => {
  await using dir = await tempDir();
  await using first = await startServerProgram([], { cwd: dir.path });
  await using second = await startProgram("server", ["--port", "0"], { cwd: dir.path });
  assert.equal(await second.exit(), 1);
  assert.equal(
    second.stderr.text,
    "error: cannot open the store sqlite:sum.db: the file is in use by another server " +
      "(only one server may use a file)\n",
  );
  using client = sumClient(first.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 1 }, "the first one still serves");
});

Deno.test("SIGKILL of the server while 200,000 numbers stream in: after a restart the total is at least the last one printed and at most what was sent", async () => {
  await using dir = await tempDir();
  await using server = await startServerProgram([], { cwd: dir.path });
  // Without retries, the client stops at the crash (exactly_once_test.ts has it ride through).
  await using client = await startProgram("client", [
    "--port",
    server.target.split(":")[1],
    "--no-retry",
  ]);
  const feeding = client.write("1\n".repeat(200_000)).then(() => client.closeStdin()).catch(
    () => {},
  );
  await client.stdout.waitFor(/^20000$/m);
  server.process.kill("SIGKILL");
  await server.exit();
  assert.equal(await client.exit(), 1);
  await feeding;
  const printed = client.stdout.lines.map(Number);
  assert.deepEqual(printed, Array.from({ length: printed.length }, (_, i) => i + 1));
  await using restarted = await startServerProgram([], { cwd: dir.path });
  const total = await totalAt(restarted.target);
  assert.ok(total >= printed.length, `total ${total} below the last printed ${printed.length}`);
  assert.ok(total <= 200_000, `total ${total} above what was sent`);
});

Deno.test(
  "a full disk: calls fail with UNAVAILABLE naming the store, nothing unacknowledged counts, and the server serves again once there is room",
  asRoot,
  async () => {
    await using disk = await tmpfs("256k");
    await using server = await startServerProgram([], { cwd: disk.path });
    using client = sumClient(server.target);
    assert.deepEqual(await client.Add({ num: 5 }), { sum: 5 });
    const filler = `${disk.path}/filler`;
    await new Deno.Command("dd", { args: ["if=/dev/zero", `of=${filler}`, "bs=4k"] }).output();
    const error = await rejection(client.Add({ num: 1 }));
    assert.ok(isGrpcError(error, Status.UNAVAILABLE), String(error));
    assert.equal(
      error.details,
      "the store sqlite:sum.db could not commit (database or disk is full); not applied",
    );
    const batch = await rejection(client.AddAll([{ num: 2 }, { num: 3 }]));
    assert.ok(isGrpcError(batch, Status.UNAVAILABLE), String(batch));
    await Deno.remove(filler);
    assert.deepEqual(
      await client.Add({ num: 10 }),
      { sum: 15 },
      "the refused changes left no trace",
    );
    server.process.kill("SIGKILL");
    await server.exit();
    await using restarted = await startServerProgram([], { cwd: disk.path });
    assert.equal(await totalAt(restarted.target), 15);
  },
);

Deno.test(
  "a file that cannot be written: one line at start, naming the store",
  asRoot,
  async () => {
    await using disk = await tmpfs("256k");
    {
      await using server = await startServerProgram([], { cwd: disk.path });
      server.process.kill("SIGTERM");
      assert.equal(await server.exit(), 0);
    }
    await disk.remount("ro");
    await using refused = await startProgram("server", ["--port", "0"], { cwd: disk.path });
    assert.equal(await refused.exit(), 1);
    assert.match(
      refused.stderr.text,
      /^error: cannot open the store sqlite:sum\.db: the file cannot be written \(.+\): is its file system read-only or failing\?\n$/,
    );
  },
);

Deno.test("a store path deno was not given is one line saying which flags to add", async () => {
  await using dir = await tempDir();
  await using refused = await startProgram("server", [
    "--port",
    "0",
    "--store",
    `sqlite:${dir.path}/elsewhere.db`,
  ]);
  assert.equal(await refused.exit(), 1);
  assert.equal(
    refused.stderr.text,
    `error: cannot open the store sqlite:${dir.path}/elsewhere.db: deno was not given access ` +
      `to the file; run it with --allow-read=${dir.path}/elsewhere.db ` +
      `--allow-write=${dir.path}/elsewhere.db\n`,
  );
});

/** An SQLite store that counts its commits. */
class CountedStore implements TotalStore {
  commits = 0;
  readonly #store: SqliteStore;
  constructor(store: SqliteStore) {
    this.#store = store;
  }
  get name() {
    return this.#store.name;
  }
  get total() {
    return this.#store.total;
  }
  readonly groupCommit = true;
  readonly available = true;
  commit(changes: readonly Change[]) {
    this.commits++;
    return this.#store.commit(changes);
  }
  caughtUp = () => this.#store.caughtUp();
  connect = () => this.#store.connect();
  listen: TotalStore["listen"] = (listener) => this.#store.listen(listener);
  close = () => this.#store.close();
}

Deno.test("numbers in flight share commits: 50 streams of 200 numbers take far fewer commits than numbers", async () => {
  await using dir = await tempDir();
  const store = new CountedStore(await SqliteStore.open(`${dir.path}/sum.db`));
  await using sum = await startSumServer({ store });
  using client = sumClient(sum.target);
  const streams = await Promise.all(
    Array.from({ length: 50 }, () => collect(client.SumServer(Array(200).fill({ num: 1 })))),
  );
  assert.equal(streams.flat().length, 10_000);
  assert.equal(store.total, 10_000);
  assert.ok(store.commits <= 1_000, `${store.commits} commits for 10,000 numbers`);
  await store.close();
});

Deno.test("on SQLite, a stream's numbers after a refused one are not applied, though read ahead", async () => {
  await using dir = await tempDir();
  const store = await SqliteStore.open(`${dir.path}/sum.db`);
  await using sum = await startSumServer({ store });
  using client = sumClient(sum.target);
  const { replies, error } = await refusedMidStream(client);
  assert.ok(isGrpcError(error, Status.OUT_OF_RANGE));
  assert.deepEqual(replies, [INT32_MAX]);
  assert.equal(store.total, INT32_MAX);
  await store.close();
});
