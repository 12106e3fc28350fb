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
  tempDir,
  TextSink,
  totalAt,
} from "./helpers.ts";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { denoEnv } from "../testing/environment.ts";

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

Deno.test("two servers on one file share its total: each answers with what both were sent, and a Watch on one sees the other's totals", async () => {
  await using dir = await tempDir();
  await using first = await startServerProgram([], { cwd: dir.path });
  await using second = await startServerProgram([], { cwd: dir.path });
  using one = sumClient(first.target);
  using other = sumClient(second.target);
  const watched = other.Watch({}, { timeout: 30_000 })[Symbol.asyncIterator]();
  assert.deepEqual((await watched.next()).value, { sum: 0 });
  assert.deepEqual(await one.Add({ num: 5 }), { sum: 5 });
  assert.deepEqual(await other.Add({ num: 6 }), { sum: 11 });
  assert.deepEqual(
    (await collect(one.SumServer([{ num: 1 }, { num: 2 }]))).map(({ sum }) => sum),
    [12, 14],
  );
  const seen = [];
  while (seen.at(-1) !== 14) seen.push((await watched.next()).value!.sum);
  assert.deepEqual(seen, [5, 11, 12, 14], "the Watch on the second saw the first's totals too");
  await watched.return?.();
});

Deno.test("a server frozen while another on its file commits 3,000 totals: when it wakes, a Watch on it gets every one, in order", async () => {
  await using dir = await tempDir();
  await using writer = await startServerProgram([], { cwd: dir.path });
  await using frozen = await startServerProgram([], { cwd: dir.path });
  using one = sumClient(writer.target);
  using other = sumClient(frozen.target);
  const watched = other.Watch({}, { timeout: 60_000 })[Symbol.asyncIterator]();
  assert.deepEqual((await watched.next()).value, { sum: 0 });
  const ones = Array.from({ length: 3_000 }, () => ({ num: 1 }));
  frozen.process.kill("SIGSTOP");
  try {
    assert.equal((await collect(one.SumServer(ones))).at(-1)?.sum, 3_000);
  } finally {
    frozen.process.kill("SIGCONT");
  }
  const seen = [];
  while (seen.at(-1) !== 3_000) seen.push((await watched.next()).value!.sum);
  assert.deepEqual(seen, ones.map((_, i) => i + 1), "it heard them all at once, and sent them all");
  await watched.return?.();
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

Deno.test("a file elsewhere: the server prints the one command that runs it with access to that file, in the form the user started it, and that command works", async () => {
  await using dir = await tempDir();
  const args = ["--port", "0", "--store", "sqlite:elsewhere.db"];
  // Run from the user's folder, as deno task passes it (INIT_CWD).
  await using refused = await startProgram("server", args, { env: { INIT_CWD: dir.path } });
  assert.equal(await refused.exit(), 1);
  const [error, command, ...rest] = refused.stderr.lines;
  assert.deepEqual(rest, []);
  assert.equal(
    error,
    `error: cannot open the store sqlite:${dir.path}/elsewhere.db: the server's task may write ` +
      "only sum.db in its own folder; run the server with write access to this file instead:",
  );
  assert.match(command, /^ {2}deno run .* --allow-write=\S+ /);
  assert.ok(command.endsWith(" --port 0 --store sqlite:elsewhere.db"), command);

  const deno = `${dirname(Deno.execPath())}:/usr/bin:/bin`;
  const server = new Deno.Command("sh", {
    args: ["-c", `exec ${command}`],
    cwd: dir.path,
    clearEnv: true,
    env: denoEnv({ PATH: deno }),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stdout = new TextSink();
  const piped = server.stdout.pipeTo(stdout.stream);
  await stdout.waitFor(/^listening on \S+:\d+\n/);
  const port = stdout.text.match(/:(\d+)\n/)![1];
  assert.equal(await totalAt(`localhost:${port}`), 0);
  server.kill("SIGTERM");
  assert.equal((await server.status).code, 0);
  await piped;
  assert.ok((await Deno.stat(`${dir.path}/elsewhere.db`)).isFile);

  // Started through npx, the command is npx's.
  await using viaNpx = await startProgram("server", args, {
    env: { INIT_CWD: dir.path, npm_command: "exec" },
  });
  assert.equal(await viaNpx.exit(), 1);
  assert.equal(viaNpx.stderr.lines[1], command.replace(/^ {2}deno /, "  npx -y deno@2.8.3 "));
});

Deno.test("a file in a folder that does not exist is one line naming the folder", async () => {
  await using dir = await tempDir();
  await using refused = await startProgram("server", [
    "--port",
    "0",
    "--store",
    `sqlite:${dir.path}/missing/sum.db`,
  ]);
  assert.equal(await refused.exit(), 1);
  assert.equal(
    refused.stderr.text,
    `error: cannot open the store sqlite:${dir.path}/missing/sum.db: ` +
      `the folder ${dir.path}/missing does not exist\n`,
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

Deno.test("the serving line names the store with its options, as given", async () => {
  await using server = await startServerProgram(["--store", "sqlite:sum.db?synchronous=normal"]);
  await server.stderr.waitFor(/ info serving /);
  assert.match(server.stderr.text, / store="sqlite:sum\.db\?synchronous=normal" total=0\n/);
});

Deno.test("a file this store did not write (a total that is not an int32, its row gone) stops the server at start with one line; the server never starts it again at 0", async () => {
  await using dir = await tempDir();
  {
    await using server = await startServerProgram([], { cwd: dir.path });
    using client = sumClient(server.target);
    assert.deepEqual(await client.Add({ num: 5, client_id: "c", seq: 1 }), { sum: 5 });
  }
  const edit = (sql: string) => {
    const db = new DatabaseSync(`${dir.path}/sum.db`);
    db.exec(sql);
    db.close();
  };
  for (
    const [sql, problem] of [
      ["UPDATE total SET value = 'abc'", 'its total is "abc", not an int32'],
      ["UPDATE total SET value = 3000000000", 'its total is "3000000000", not an int32'],
      ["UPDATE total SET value = 2.5", 'its total is "2.5", not an int32'],
      ["DELETE FROM total", "its table total has 0 rows, not the one this store writes"],
    ]
  ) {
    edit(sql);
    await using refused = await startProgram("server", ["--port", "0"], { cwd: dir.path });
    assert.equal(await refused.exit(), 1, sql);
    assert.equal(
      refused.stderr.text,
      `error: cannot open the store sqlite:sum.db: ${problem} ` +
        "(restore the file, or start from a new one)\n",
    );
    edit("DELETE FROM total; INSERT INTO total (id, value) VALUES (1, 5)");
  }
  await using server = await startServerProgram([], { cwd: dir.path });
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 5, client_id: "c", seq: 1, resend: true }), { sum: 5 });
});
