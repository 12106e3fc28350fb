/**
 * `deno task bench`: the running-sum servers side by side, on loopback.
 *
 * Every server-side measurement uses one load generator, written in Go with
 * grpc-go, so that only the server changes. Each round starts every server
 * afresh for every measurement, in a new random order, so that drift on this
 * shared machine hits all of them alike; the table shows medians over rounds,
 * and each ratio is the median of the ratios taken within a round.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parsedOrStatus } from "../cli/flags.ts";
import { BENCH_USAGE, benchOptions, MEASUREMENT_IDS, type MeasurementId } from "./options.ts";
import { run, type RunningServer, startServer } from "./process.ts";
import { memoryOf, settledMemoryOfTree } from "../testing/memory.ts";
import { connectionSplit } from "./connection_split.ts";
import { describeMissing, missingRequirements } from "./requirements.ts";
import { goBuild } from "./go_build.ts";
import { format, median, table } from "./stats.ts";
import { taskArgs } from "../testing/programs.ts";
import { startRedis } from "../testing/redis.ts";

const options = parsedOrStatus(() => benchOptions(Deno.args), BENCH_USAGE);
if (typeof options === "number") Deno.exit(options);
const { rounds, quick, only, json } = options;
const missing = await missingRequirements();
if (missing.length > 0) {
  console.error(`error: ${describeMissing(missing)}`);
  Deno.exit(1);
}
const scale = quick ? 0.1 : 1;
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const root = path("../");
const deno = Deno.execPath();
const python = "/usr/bin/python3";
/** What the Deno programs measured here may touch. */
const denoAccess = [
  "--allow-run",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-sys=uid",
  "--allow-env",
];
const withStubs = [path("../interop/python/with_stubs.py"), path("../sum.proto")];

type Result = Record<string, number>;

interface Contender {
  name: string;
  start: () => ReturnType<typeof startServer>;
  /** Measurements it cannot take part in, and why. */
  skips?: Partial<Record<string, string>>;
  /** More arguments of the load generator, for every measurement. */
  loadgenArgs?: string[];
}

/** server.ts on the store `store` names, with `args` more: one process unless they say `--workers`. */
const sumServer = (store: string, args: string[] = []) =>
  startServer(deno, [
    "run",
    ...denoAccess,
    path("../server.ts"),
    "--port",
    "0",
    "--log-level",
    "warn",
    "--store",
    store,
    ...args.includes("--workers") ? [] : ["--workers", "1"],
    ...args,
  ]);

/** The machine's cores: `--workers` for a server that uses every one. */
const cores = navigator.hardwareConcurrency;

/** Runs while the bench does: the Redis the Redis contenders share (append-only file, everysec). */
const redis = await startRedis();
/** A key prefix no earlier server used, so that each start has a total of its own, from 0. */
let prefixes = 0;
const freshRedis = () => `${redis.url}?prefix=bench${++prefixes}:`;

/** Several servers behind one comma-separated target, as the load generator takes them. */
async function replicas(starts: Array<() => Promise<RunningServer>>): Promise<RunningServer> {
  const servers = await Promise.all(starts.map((start) => start()));
  return {
    target: servers.map((server) => server.target).join(","),
    pid: servers[0].pid,
    async [Symbol.asyncDispose]() {
      for (const server of servers) await server[Symbol.asyncDispose]();
    },
  };
}

/** server.ts on an SQLite file of its own, removed when it stops; `args` more. */
async function sqliteServer(args: string[] = []): Promise<RunningServer> {
  const dir = await Deno.makeTempDir({ prefix: "sum-bench-sqlite-" });
  const server = await sumServer(`sqlite:${dir}/sum.db`, args);
  return {
    ...server,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * The same server with the load generator numbering its requests (a client
 * id and a seq per number), so that each store keeps per client what it
 * applied: the cost of exactly-once. Measured on streams only.
 */
const exactlyOnce = (name: string, start: Contender["start"]): Contender => ({
  name: `${name} exactly-once`,
  start,
  loadgenArgs: ["-keyed"],
  skips: Object.fromEntries(
    MEASUREMENT_IDS.filter((id) => id !== "pipelined" && id !== "fanin").map((
      id,
    ) => [id, "exactly-once is measured on streams"]),
  ),
});

const contenders: Contender[] = [
  { name: "server.ts", start: () => sumServer("memory") },
  exactlyOnce("server.ts", () => sumServer("memory")),
  { name: "server.ts sqlite", start: () => sqliteServer() },
  exactlyOnce("server.ts sqlite", () => sqliteServer()),
  {
    name: "server.ts sqlite workers",
    start: () => sqliteServer(["--workers", String(cores)]),
    skips: { idle: "its memory is several processes'" },
  },
  { name: "server.ts Redis", start: () => sumServer(freshRedis()) },
  exactlyOnce("server.ts Redis", () => sumServer(freshRedis())),
  {
    name: "server.ts 2×Redis",
    start: () => {
      const store = freshRedis();
      return replicas([() => sumServer(store), () => sumServer(store)]);
    },
    skips: { idle: "its memory is two processes'", churn: "its memory is two processes'" },
  },
  {
    name: "server.ts Redis workers",
    start: () => sumServer(freshRedis(), ["--workers", String(cores)]),
    skips: { idle: "its memory is several processes'" },
  },
  { name: "grpc-go", start: () => startServer(goServer, ["-port", "0"]) },
  {
    name: "grpc-js/Deno",
    start: () => startServer(deno, ["run", ...denoAccess, path("raw/deno.mjs"), "0"]),
  },
  {
    name: "grpc-js/Deno batched",
    start: () => startServer(deno, ["run", ...denoAccess, path("raw/deno.mjs"), "0", "--batched"]),
  },
  { name: "grpc-js/Node", start: () => startServer("node", [path("raw/node.mjs"), "0"]) },
  {
    name: "Python threads",
    // The tutorial's servicer and thread pool, plus an Add in the same style.
    start: () => startServer(python, [...withStubs, path("python/threads_server.py"), "0"]),
    skips: {
      idle: "it serves 10 streams at once (its thread pool)",
      churn: "it serves 10 streams at once (its thread pool)",
    },
  },
  {
    name: "Python aio",
    start: () => startServer(python, [...withStubs, path("python/aio_server.py"), "0"]),
  },
];

interface Measurement {
  id: MeasurementId;
  title: string;
  /** Arguments of the Go load generator (and of lib_loadgen.ts, which takes the same). */
  args: string[];
  metrics: { key: string; label: string; higherIsBetter: boolean }[];
}

const count = (n: number) => String(Math.round(n * scale));
/** Connections churned before the first and the last memory reading. */
const churnCounts = [2_000, 10_000].map((n) => Math.round(n * scale));

/**
 * Replacement under load: the fan-in's streams resume after UNAVAILABLE (as
 * client.ts does) and the load generator checks that the total grew by
 * exactly what was sent, while a connection every 20 ms comes, reads the
 * total and goes. Not scaled by --quick: a run lasts long enough for each
 * worker to be replaced every few seconds.
 */
const REPLACEMENT_LOAD = [
  ...["-mode", "fanin", "-streams", "100", "-conns", "4", "-n", "10000"],
  ...["-resume", "-connect-every", "20ms"],
];
/** Connections a worker accepts before it is replaced, under that load: about every 4 s on 2 cores. */
const REPLACE_AFTER = 200;
const REPLACED = "server.ts sqlite workers, replaced";

const measurements: Measurement[] = [
  {
    id: "pipelined",
    title: "a. pipelined, one stream",
    args: ["-mode", "pipelined", "-n", count(200_000)],
    metrics: [{ key: "msgs_per_s", label: "msgs/s", higherIsBetter: true }],
  },
  {
    id: "pingpong",
    title: "b. ping-pong, one stream",
    args: ["-mode", "pingpong", "-n", count(20_000)],
    metrics: [
      { key: "p50_us", label: "p50 µs", higherIsBetter: false },
      { key: "p99_us", label: "p99 µs", higherIsBetter: false },
      { key: "max_us", label: "max µs", higherIsBetter: false },
    ],
  },
  {
    id: "fanin",
    title: "c. fan-in, 100 streams / 4 conns",
    args: ["-mode", "fanin", "-streams", "100", "-conns", "4", "-n", count(5_000)],
    metrics: [{ key: "msgs_per_s", label: "msgs/s", higherIsBetter: true }],
  },
  {
    id: "unary",
    title: "d. unary Add, 64 in flight / 4 conns",
    args: ["-mode", "unary", "-inflight", "64", "-conns", "4", "-n", count(50_000)],
    metrics: [
      { key: "calls_per_s", label: "calls/s", higherIsBetter: true },
      { key: "p99_us", label: "p99 µs", higherIsBetter: false },
    ],
  },
  {
    id: "replacement",
    title: "h. fan-in, resuming, 50 connections/s",
    args: REPLACEMENT_LOAD,
    metrics: [
      { key: "msgs_per_s", label: "msgs/s", higherIsBetter: true },
      { key: "resumes", label: "streams resumed", higherIsBetter: false },
      { key: "connections", label: "connections", higherIsBetter: true },
    ],
  },
  {
    id: "idle",
    title: "e. memory, 1,000 idle streams / 10 conns",
    args: ["-mode", "idle", "-streams", "1000", "-conns", "10"],
    metrics: [{ key: "kib_per_stream", label: "KiB/stream", higherIsBetter: false }],
  },
  {
    id: "churn",
    title: "g. memory after churned connections",
    args: ["-mode", "churn", "-conns", "200"],
    metrics: [
      {
        key: "rss_mib_first",
        label: `RSS MiB after ${churnCounts[0].toLocaleString("en")}`,
        higherIsBetter: false,
      },
      {
        key: "rss_mib_last",
        label: `RSS MiB after ${churnCounts[1].toLocaleString("en")}`,
        higherIsBetter: false,
      },
      { key: "growth", label: "growth, last / first", higherIsBetter: false },
    ],
  },
];

/** Where the Go programs are built. */
const built = await Deno.makeTempDir({ prefix: "sum-bench-" });
const goServer = `${built}/go_server`;

async function prepare(): Promise<string> {
  console.error("building the Go load generator and server; installing grpc-js for Node…");
  await Promise.all([
    goBuild("loadgen", built),
    goBuild("go_server", built),
    run("npm", [
      "install",
      "--prefix",
      path(".node"),
      "--no-audit",
      "--no-fund",
      "--silent",
      "@grpc/grpc-js@1.14.7",
      "@grpc/proto-loader@0.8.1",
    ]),
  ]);
  return `${built}/loadgen`;
}

/** Opens 1,000 idle streams and returns the server's memory growth per stream. */
async function idleStreams(loadgen: string, pid: number, target: string): Promise<Result> {
  const before = await memoryOf(pid);
  const child = new Deno.Command(loadgen, {
    args: ["-target", target, ...measurements.find((m) => m.id === "idle")!.args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await reader.read(); // {"ready":true}: every stream is open and answered
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the server settle
  const after = await memoryOf(pid);
  await child.stdin.close();
  await reader.cancel();
  await child.status;
  return { kib_per_stream: (after.rssKiB - before.rssKiB) / 1000 };
}

/**
 * Memory after connections made and ended (finished, cancelled, dropped):
 * RSS after the first count, after the last, and how much it grew between,
 * of the server's process and its children (workers), each read once no
 * worker is being replaced. A server that keeps nothing of closed
 * connections stays flat.
 */
async function churnedConnections(loadgen: string, pid: number, target: string): Promise<Result> {
  const args = measurements.find((m) => m.id === "churn")!.args;
  let failed = 0;
  const churn = async (n: number) => {
    const { errors } = JSON.parse(
      await run(loadgen, ["-target", target, ...args, "-n", String(n)], { stderr: "inherit" }),
    );
    failed += errors;
  };
  await churn(churnCounts[0]);
  const first = await settledMemoryOfTree(pid);
  await churn(churnCounts[1] - churnCounts[0]);
  const last = await settledMemoryOfTree(pid);
  return {
    rss_mib_first: first.rssKiB / 1024,
    rss_mib_last: last.rssKiB / 1024,
    growth: last.rssKiB / first.rssKiB,
    connection_errors: failed,
  };
}

/** Measurements that did not finish, or had connections fail, by contender, with the reason. */
const failures: Record<string, string[]> = {};

/**
 * `contender` measured; what failed is noted in {@linkcode failures}: the
 * whole measurement, or the connections the load generator counts as failed.
 */
async function measureServer(
  loadgen: string,
  contender: Contender,
  measurement: Measurement,
): Promise<Result | undefined> {
  const result = await measureOnce(loadgen, contender, measurement);
  if (result?.connection_errors) {
    (failures[contender.name] ??= []).push(
      `${measurement.title}: ${result.connection_errors} connections failed`,
    );
  }
  return result;
}

async function measureOnce(
  loadgen: string,
  contender: Contender,
  measurement: Measurement,
): Promise<Result | undefined> {
  if (contender.skips?.[measurement.id]) return undefined;
  await using server = await contender.start();
  if (measurement.id === "idle") return await idleStreams(loadgen, server.pid, server.target);
  if (measurement.id === "churn") {
    return await churnedConnections(loadgen, server.pid, server.target);
  }
  try {
    const args = [
      "-target",
      server.target,
      "-timeout",
      "90s",
      ...measurement.args,
      ...contender.loadgenArgs ?? [],
    ];
    const finished = run(loadgen, args);
    const port = Number(server.target.match(/:(\d+)$/)?.[1]);
    const split = connectionSplit(server.pid, port, finished);
    const result: Result = JSON.parse(await finished);
    const spread = await split;
    if (spread.length > 0) {
      console.error(`  connections per worker: ${spread.join(" + ")}`);
      result.busiest_worker_connections = spread[0];
    }
    return result;
  } catch (error) {
    const reason = String(error instanceof Error ? error.message : error).trim().split("\n").at(-1);
    (failures[contender.name] ??= []).push(`${measurement.title}: ${reason}`);
    return undefined;
  }
}

/**
 * The replacement measurement, on SQLite with a worker a core, with and
 * without replacement, in a random order.
 */
async function measureReplacement(loadgen: string, measurement: Measurement) {
  const runs = shuffled([
    { name: "server.ts sqlite workers", args: [] },
    { name: REPLACED, args: ["--worker-max-connections", String(REPLACE_AFTER)] },
  ]);
  for (const { name, args } of runs) {
    console.error(`${measurement.title}: ${name}`);
    const contender = {
      name,
      start: () => sqliteServer(["--workers", String(cores), ...args]),
    };
    record(measurement.id, name, await measureServer(loadgen, contender, measurement));
  }
}

async function measureLibClient(measurement: Measurement): Promise<Result | undefined> {
  if (measurement.id === "idle" || measurement.id === "churn") return undefined;
  await using server = await contenders[0].start();
  const args = measurement.args.flatMap((arg) => arg.startsWith("-") ? [`-${arg}`] : [arg]);
  return JSON.parse(
    await run(deno, [
      "run",
      ...denoAccess,
      path("lib_loadgen.ts"),
      "--target",
      server.target,
      ...args,
    ]),
  );
}

/** `yes 1 | head -n N | CLIENT`: wall time and the client's peak memory. */
async function endToEnd(command: string, args: string[], lines: number): Promise<Result> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    cwd: root,
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  })
    .spawn();
  let peakKiB = 0;
  const poll = setInterval(async () => {
    try {
      const { peakKiB: now } = await memoryOf(child.pid);
      if (now > peakKiB) peakKiB = now;
    } catch {
      // exited
    }
  }, 50);
  const writer = child.stdin.getWriter();
  const chunk = new TextEncoder().encode("1\n".repeat(10_000));
  for (let sent = 0; sent < lines; sent += 10_000) await writer.write(chunk);
  await writer.close();
  const status = await child.status;
  clearInterval(poll);
  if (!status.success) throw new Error(`${command} exited with ${status.code}`);
  return { wall_s: (performance.now() - started) / 1000, peak_mib: peakKiB / 1024 };
}

async function measureClients(lines: number): Promise<Record<string, Result>> {
  await using server = await contenders[0].start();
  const port = server.target.split(":").at(-1)!;
  const clientArgs = [...await taskArgs("client"), "--port", port];
  const ours = () => endToEnd(deno, clientArgs, lines);
  const aio = () =>
    endToEnd(python, [...withStubs, path("python/aio_stdin_client.py"), server.target], lines);
  const order = Math.random() < 0.5 ? [ours, aio] : [aio, ours];
  const [first, second] = [await order[0](), await order[1]()];
  return order[0] === ours ? { "client.ts": first, "grpc.aio client": second } : {
    "client.ts": second,
    "grpc.aio client": first,
  };
}

function shuffled<T>(items: T[]): T[] {
  return items.map((item) => [Math.random(), item] as const).sort(([a], [b]) => a - b).map((
    [, item],
  ) => item);
}

const loadgen = await prepare();
const names = [...contenders.map((c) => c.name), REPLACED, "server.ts ← lib/ client"];
// results[measurement][contender][metric] = one value per round
const results: Record<string, Record<string, Record<string, number[]>>> = {};
const record = (measurement: string, contender: string, result: Result | undefined) => {
  if (!result) return;
  for (const [key, value] of Object.entries(result)) {
    if (typeof value !== "number") continue;
    ((results[measurement] ??= {})[contender] ??= {})[key] ??= [];
    results[measurement][contender][key].push(value);
  }
};

const selected = measurements.filter(({ id }) => only.has(id));

for (let round = 1; round <= rounds; round++) {
  for (const measurement of selected) {
    if (measurement.id === "replacement") {
      console.error(`round ${round}/${rounds}:`);
      await measureReplacement(loadgen, measurement);
      continue;
    }
    for (const contender of shuffled(contenders)) {
      console.error(`round ${round}/${rounds}: ${measurement.title}: ${contender.name}`);
      record(measurement.id, contender.name, await measureServer(loadgen, contender, measurement));
    }
    record(measurement.id, names.at(-1)!, await measureLibClient(measurement));
  }
  if (!only.has("e2e")) continue;
  console.error(`round ${round}/${rounds}: f. end to end`);
  for (
    const [name, result] of Object.entries(await measureClients(Math.round(1_000_000 * scale)))
  ) {
    record("e2e", name, result);
  }
}

/** Ratio columns: the first contender's value over the second's. */
const ratioPairs = [
  ["server.ts", "grpc-js/Deno", "vs grpc-js/Deno"],
  ["server.ts", "grpc-js/Deno batched", "vs grpc-js/Deno batched"],
  ["server.ts", "grpc-js/Node", "vs grpc-js/Node"],
  ["server.ts", "Python threads", "vs Python threads"],
  ["server.ts", "Python aio", "vs Python aio"],
  ["server.ts", "grpc-go", "vs grpc-go"],
  ["server.ts sqlite", "server.ts", "sqlite / memory"],
  ["server.ts Redis", "server.ts", "Redis / memory"],
  ["server.ts 2×Redis", "server.ts", "2×Redis / memory"],
  ["server.ts sqlite workers", "server.ts sqlite", "sqlite: every core / 1 worker"],
  ["server.ts Redis workers", "server.ts Redis", "Redis: every core / 1 worker"],
  [REPLACED, "server.ts sqlite workers", "replaced / not"],
  ["server.ts exactly-once", "server.ts", "memory: exactly-once / not"],
  ["server.ts sqlite exactly-once", "server.ts sqlite", "sqlite: exactly-once / not"],
  ["server.ts Redis exactly-once", "server.ts Redis", "Redis: exactly-once / not"],
] as const;

/** The median over rounds of `ours`'s value divided by `other`'s, in the same round. */
function ratio(measurement: string, key: string, ours: string, other: string) {
  const mine = results[measurement]?.[ours]?.[key];
  const theirs = results[measurement]?.[other]?.[key];
  if (!mine || !theirs) return undefined;
  return median(mine.map((value, round) => value / theirs[round]));
}

const rows = [["measurement", ...names, ...ratioPairs.map(([, , label]) => label)]];
for (const measurement of selected) {
  for (const { key, label } of measurement.metrics) {
    rows.push([
      `${measurement.title}: ${label}`,
      ...names.map((name) => format(median(results[measurement.id]?.[name]?.[key] ?? [NaN]))),
      ...ratioPairs.map(([ours, other]) => format(ratio(measurement.id, key, ours, other))),
    ]);
  }
}
const e2e = results.e2e ?? {};
const endToEndRows = [
  ["f. yes 1 | head -n 1000000 | client", "wall s", "peak MiB"],
  ...Object.entries(e2e).map(([name, metrics]) => [
    name,
    format(median(metrics.wall_s)),
    format(median(metrics.peak_mib)),
  ]),
];
const clientRatio = e2e["client.ts"] && e2e["grpc.aio client"]
  ? median(
    e2e["client.ts"].wall_s.map((value, round) => value / e2e["grpc.aio client"].wall_s[round]),
  )
  : undefined;

console.log(
  `Medians of ${rounds} rounds${quick ? " (quick: a tenth of the work)" : ""}; ` +
    "ratios are server.ts's value over the other's, taken within each round.\n",
);
console.log(table(rows));
if (only.has("e2e")) {
  console.log();
  console.log(table(endToEndRows));
  console.log(`client.ts wall time / grpc.aio client's: ${format(clientRatio)}`);
}
for (const [name, reasons] of Object.entries(failures)) {
  for (const reason of reasons) console.log(`${name} did not finish ${reason}`);
}
const report = { rounds, quick, contenders: names, results, clientRatio, failures };
console.log(`\n${JSON.stringify(report)}`);
if (json) await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
await redis[Symbol.asyncDispose]();
await Deno.remove(built, { recursive: true });
