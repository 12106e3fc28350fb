import { loadService, unary } from "../../lib/mod.ts";

/** Two int32 operands: `AddRequest` and `MultiplyRequest` have the same fields. */
export type Operands = { number1: number; number2: number };

/** The result, an int32. */
export type ResultReply = { number: number };

/** `Cal`, as declared in `SimpleCal.proto`. */
export const Cal = loadService(new URL("./SimpleCal.proto", import.meta.url), {
  name: "Cal",
  methods: {
    Add: unary<Operands, ResultReply>(),
    Multiply: unary<Operands, ResultReply>(),
  },
});
