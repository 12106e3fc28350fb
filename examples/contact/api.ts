import { bidiStreaming, clientStreaming, loadService, serverStreaming } from "../../lib/mod.ts";

/** A status message from the client. */
export type ClientMsg = { msg: string };

/** A task from the server. */
export type ServerMsg = { task: string };

/** No content: the client's registration, and the answer to its confirmations. */
export type Empty = Record<never, never>;

/** A result: the server's answer to a status, or the client's confirmation of a task. */
export type Result = { ret: string };

/** `Contact`, as declared in `contact.proto`. */
export const Contact = loadService(new URL("./contact.proto", import.meta.url), {
  name: "Contact",
  methods: {
    sendStatus: bidiStreaming<ClientMsg, Result>(),
    getTask: serverStreaming<Empty, ServerMsg>(),
    tellResult: clientStreaming<Result, Empty>(),
  },
});
