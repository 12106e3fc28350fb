/**
 * A number as Python prints a float (`str(float)`): the shortest digits that
 * read back the same, always with a decimal point or an exponent, in
 * scientific notation below 1e-4 and from 1e16 on, exponents of at least two
 * digits. Python clients print positions so.
 *
 * @example
 * ```ts
 * import { pythonFloat } from "./python_float.ts";
 * pythonFloat(1); // "1.0"
 * pythonFloat(0.00001); // "1e-05"
 * pythonFloat(-8.742277657347586e-8); // "-8.742277657347586e-08"
 * ```
 */
export function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (Object.is(value, -0)) return "-0.0";
  const [digits, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}
