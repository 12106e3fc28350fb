import { loadService, unary } from "../../lib/mod.ts";

/** The string to measure. */
export type HelloRequest = { helloworld: string };

/** Its length, as a decimal string. */
export type HelloReply = { result: string };

/** `compute.Compute`, as declared in `compute.proto`. */
export const Compute = loadService(new URL("./compute.proto", import.meta.url), {
  name: "compute.Compute",
  methods: { SayHello: unary<HelloRequest, HelloReply>() },
});
