/**
 * The running-sum client's input: whitespace-separated int32s, each with its
 * line, read as they arrive.
 *
 * @module
 */
import { INT32_RANGE, isInt32 } from "../lib/mod.ts";

/** A whitespace-separated word of the input and the line it is on (from 1). */
export interface Token {
  text: string;
  line: number;
}

/** A number read from the input. */
export interface NumberToken {
  value: number;
  line: number;
}

/**
 * The tokens of a text stream, each yielded as soon as the whitespace after
 * it arrives (or the stream ends), so interactive input is not held back.
 *
 * @example
 * ```ts
 * import { tokens } from "./numbers.ts";
 * for await (const token of tokens(["1 2\n", "3"])) console.log(token); // 1, 2, then 3 on line 2
 * ```
 */
export async function* tokens(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<Token> {
  let carry = "";
  let line = 1;
  for await (const chunk of chunks) {
    const text = carry + chunk;
    const cut = lastWhitespace(text);
    carry = text.slice(cut + 1);
    const lines = text.slice(0, cut + 1).split("\n");
    for (let i = 0; i < lines.length; i++) {
      for (const word of lines[i].split(/\s+/)) {
        if (word !== "") yield { text: word, line: line + i };
      }
    }
    line += lines.length - 1;
  }
  if (carry !== "") yield { text: carry, line };
}

function lastWhitespace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) return i;
  }
  return -1;
}

/**
 * Why `text` is not an int32, or `undefined` if it is one.
 *
 * @example
 * ```ts
 * import { int32Problem } from "./numbers.ts";
 * int32Problem("12"); // undefined
 * int32Problem("1.5"); // "is not an integer"
 * ```
 */
export function int32Problem(text: string): string | undefined {
  if (!/^[+-]?\d+$/.test(text)) return "is not an integer";
  if (!isInt32(Number(text))) return `is outside int32 ${INT32_RANGE}`;
  return undefined;
}

/**
 * The int32 numbers of a token stream. Each bad token is passed to `onBad`
 * with a message naming it and its line, and skipped.
 */
export async function* numbers(
  input: AsyncIterable<Token>,
  onBad: (message: string) => void,
): AsyncGenerator<NumberToken> {
  for await (const { text, line } of input) {
    const problem = int32Problem(text);
    if (problem === undefined) yield { value: Number(text), line };
    else onBad(`line ${line}: "${text}" ${problem}; skipped`);
  }
}
