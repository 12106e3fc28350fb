import assert from "node:assert/strict";
import { workerPlan } from "./workers.ts";

const redis = { kind: "redis", url: "redis://localhost:6379", prefix: "sum:" } as const;

Deno.test("workers: as many as asked on a shared store; one, saying why, where a process holds the store or cannot share the port", () => {
  assert.deepEqual(workerPlan({ store: redis }), { workers: 1 });
  assert.deepEqual(workerPlan({ store: redis, workers: 8 }, "linux"), { workers: 8 });
  assert.deepEqual(workerPlan({ store: { kind: "memory" }, workers: 4 }), {
    workers: 1,
    notice: "serving with 1 worker, not 4: the store memory is held by one process " +
      "(a redis:// store is shared by every worker)",
  });
  assert.equal(
    workerPlan({ store: { kind: "sqlite", path: "sum.db", synchronous: "full" }, workers: 2 })
      .workers,
    1,
  );
  assert.deepEqual(workerPlan({ store: redis, workers: 2 }, "darwin"), {
    workers: 1,
    notice: "serving with 1 worker: processes cannot share a port on darwin (SO_REUSEPORT)",
  });
});
