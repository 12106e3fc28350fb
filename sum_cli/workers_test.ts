import assert from "node:assert/strict";
import { MAX_DEFAULT_WORKERS, workerPlan } from "./workers.ts";

const redis = { kind: "redis", url: "redis://localhost:6379", prefix: "sum:" } as const;
const sqlite = { kind: "sqlite", path: "sum.db", synchronous: "full" } as const;
const linux = { os: "linux", cores: 4 };

Deno.test("workers: one a core by default, up to a cap; as many as asked on a shared store", () => {
  assert.deepEqual(workerPlan({ store: sqlite }, linux), { workers: 4 });
  assert.deepEqual(workerPlan({ store: sqlite }, { os: "linux", cores: 1 }), { workers: 1 });
  assert.deepEqual(workerPlan({ store: sqlite }, { os: "linux", cores: 64 }), {
    workers: MAX_DEFAULT_WORKERS,
  });
  assert.deepEqual(workerPlan({ store: redis, workers: 16 }, linux), { workers: 16 });
  assert.deepEqual(workerPlan({ store: sqlite, workers: 1 }, linux), { workers: 1 });
});

Deno.test("workers: one, saying why, where one process holds the store or processes cannot share the port", () => {
  const why = "the store memory is held by one process " +
    "(an sqlite: file or a redis:// store is shared by every worker)";
  assert.deepEqual(workerPlan({ store: { kind: "memory" }, workers: 4 }, linux), {
    workers: 1,
    notice: `serving with 1 worker, not 4: ${why}`,
  });
  assert.deepEqual(workerPlan({ store: { kind: "memory" } }, linux), {
    workers: 1,
    notice: `serving with 1 worker: ${why}`,
  });
  assert.deepEqual(workerPlan({ store: { kind: "memory" }, workers: 1 }, linux), { workers: 1 });
  assert.deepEqual(workerPlan({ store: redis, workers: 2 }, { os: "darwin", cores: 4 }), {
    workers: 1,
    notice: "serving with 1 worker, not 2: processes cannot share a port on darwin (SO_REUSEPORT)",
  });
});
