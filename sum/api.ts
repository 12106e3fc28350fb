import { bidiStreaming, clientStreaming, loadService, serverStreaming, unary } from "../lib/mod.ts";

/** A number to add. */
export interface RequestMessage {
  num: number;
}

/** The total after a change. */
export interface ReplyMessage {
  sum: number;
}

/** Asks for the total and its changes. */
export type WatchRequest = Record<never, never>;

/** `sum.SumService`, as declared in `sum.proto`. */
export const SumService = loadService(new URL("../sum.proto", import.meta.url), {
  name: "sum.SumService",
  methods: {
    SumServer: bidiStreaming<RequestMessage, ReplyMessage>(),
    Add: unary<RequestMessage, ReplyMessage>(),
    AddAll: clientStreaming<RequestMessage, ReplyMessage>(),
    Watch: serverStreaming<WatchRequest, ReplyMessage>(),
  },
});

/** The methods of {@linkcode SumService}. */
export type SumMethods = typeof SumService.methods;
