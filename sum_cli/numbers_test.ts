import assert from "node:assert/strict";
import { int32Problem, numbers, tokens } from "./numbers.ts";

Deno.test("tokens keep their line, and a token split across chunks is read whole", async () => {
  const read = await Array.fromAsync(tokens(["1 2", "3\n\n 4", "5\t6"]));
  assert.deepEqual(read, [
    { text: "1", line: 1 },
    { text: "23", line: 1 },
    { text: "45", line: 3 },
    { text: "6", line: 3 },
  ]);
});

Deno.test("int32Problem says why a token is not an int32", () => {
  assert.equal(int32Problem("-2147483648"), undefined);
  assert.equal(int32Problem("+7"), undefined);
  assert.equal(int32Problem("1.5"), "is not an integer");
  assert.equal(int32Problem("1e3"), "is not an integer");
  assert.equal(int32Problem("2147483648"), "is outside int32 [-2147483648, 2147483647]");
});

Deno.test("numbers skips each bad token, reporting it with its line", async () => {
  const bad: string[] = [];
  const read = await Array.fromAsync(
    numbers(tokens(["1 x\n2.5 3"]), (message) => bad.push(message)),
  );
  assert.deepEqual(read, [{ value: 1, line: 1 }, { value: 3, line: 2 }]);
  assert.deepEqual(bad, [
    'line 1: "x" is not an integer; skipped',
    'line 2: "2.5" is not an integer; skipped',
  ]);
});
