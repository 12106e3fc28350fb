import assert from "node:assert/strict";
import { createLogger } from "./log.ts";

Deno.test("text logs are one line: time, level, message, then key=value, quoted where needed", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", format: "text", write: (line) => lines.push(line) });
  log.log("info", "call", { method: "/sum.SumService/Add", details: "a b", skipped: undefined });
  assert.match(
    lines[0],
    /^\d{4}-\d\d-\d\dT\S+Z info call method=\/sum.SumService\/Add details="a b"$/,
  );
});

Deno.test("json logs are one object per line; entries below the level are not written", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "warn", format: "json", write: (line) => lines.push(line) });
  log.log("info", "hidden");
  log.log("error", "shown", { code: 13 });
  assert.equal(log.enabled("info"), false);
  assert.equal(lines.length, 1);
  const { time, ...entry } = JSON.parse(lines[0]);
  assert.equal(typeof time, "string");
  assert.deepEqual(entry, { level: "error", msg: "shown", code: 13 });
});
