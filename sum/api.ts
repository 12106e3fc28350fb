import { bidiStreaming, clientStreaming, loadService, serverStreaming, unary } from "../lib/mod.ts";

/** A number to add, with, for exactly-once, its place in its client's sequence. */
export interface RequestMessage {
  num: number;
  /** The id the client chose for itself; on a stream, the first message's counts for all. */
  client_id?: string;
  /** The number's place in its client's sequence, from 1 (a uint64: a string when received). */
  seq?: number | string;
  /** Every number of the client up to this seq has had its reply (a uint64, as `seq`). */
  confirmed?: number | string;
  /** This number was sent before, on a call that may have reached a server, with no reply. */
  resend?: boolean;
}

/** The total after a change. */
export interface ReplyMessage {
  sum: number;
}

/** Asks for the total and its changes. */
export interface WatchRequest {
  /** The current total only, then the end of the stream. */
  current_only?: boolean;
}

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
