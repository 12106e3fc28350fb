import assert from "node:assert/strict";
import { CASE_NAMES } from "./lib_cases.ts";
import { directions } from "./matrix.ts";
import { missingPython } from "./python.ts";

const missing = await missingPython();

for (const direction of directions) {
  Deno.test({
    name: `interop: ${direction.name}${missing ? ` (skipped: ${missing})` : ""}`,
    ignore: missing !== undefined,
    async fn(t) {
      const results = await direction.run();
      assert.deepEqual(results.map((result) => result.name), CASE_NAMES, "every case reported");
      for (const { name, passed, reason } of results) {
        await t.step(name, () => assert.ok(passed, reason ?? "failed"));
      }
    },
  });
}
