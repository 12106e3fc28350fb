import { loadService, unary } from "../../lib/mod.ts";

/** Whom to greet. */
export type HelloRequest = { name: string };

/** The greeting. */
export type HelloReply = { message: string };

/** `Greeter`, as declared in `helloworld.proto`. */
export const Greeter = loadService(new URL("./helloworld.proto", import.meta.url), {
  name: "Greeter",
  methods: {
    SayHello: unary<HelloRequest, HelloReply>(),
    SayHelloAgain: unary<HelloRequest, HelloReply>(),
  },
});
