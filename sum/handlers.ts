import {
  type CallContext,
  GrpcError,
  pipelined,
  type ServiceImplementation,
  Status,
} from "../lib/mod.ts";
import { clientName, recordKey } from "./ledger.ts";
import type { ReplyMessage, RequestMessage, SumMethods } from "./api.ts";
import { type SequenceKey, StoreFailure } from "./store.ts";
import {
  type RunningTotal,
  SequenceRejected,
  TooManyClients,
  TooManyWatchers,
  TotalOutOfRange,
  TotalsMissed,
} from "./total.ts";

/** What the sum service works on. */
export interface SumServiceOptions {
  /** The total every call shares. */
  total: RunningTotal;
  /** Aborts when the server starts shutting down: watchers end then, with its reason. */
  draining: AbortSignal;
}

/**
 * Numbers of one `SumServer` stream read ahead of their replies, at most, so
 * that the numbers a client sends without waiting share commits.
 */
export const READ_AHEAD = 1024;

function statusOf(error: unknown): unknown {
  if (error instanceof TotalOutOfRange) return new GrpcError(Status.OUT_OF_RANGE, error.message);
  if (error instanceof StoreFailure) {
    // UNAVAILABLE tells clients to retry: only right when nothing happened.
    return new GrpcError(error.maybeApplied ? Status.UNKNOWN : Status.UNAVAILABLE, error.message);
  }
  if (error instanceof TotalsMissed) return new GrpcError(Status.ABORTED, error.message);
  if (error instanceof TooManyWatchers || error instanceof TooManyClients) {
    return new GrpcError(Status.RESOURCE_EXHAUSTED, error.message);
  }
  if (error instanceof SequenceRejected) {
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  }
  return error;
}

/** The longest client id accepted: each is kept, with its numbers' totals, for an hour. */
export const MAX_CLIENT_ID_LENGTH = 128;

/**
 * Reads the keys of one call's requests: the client id, given on the first
 * message at least, and each request's seq. Requests without either have no
 * key; a call that gives one must give both, and keep to one client id.
 */
function sequenceOf(context: CallContext): (request: RequestMessage) => SequenceKey | undefined {
  let client = "";
  let key = "";
  return ({ client_id: id = "", seq = 0, confirmed = 0, resend = false }) => {
    if (id !== "" && id !== client) {
      if (client !== "") {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          `client_id changed within the call, from ${clientName(client)} to ${clientName(id)}; ` +
            "not applied",
        );
      }
      if (id.length > MAX_CLIENT_ID_LENGTH) {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          `client_id is ${id.length} characters long; at most ${MAX_CLIENT_ID_LENGTH}`,
        );
      }
      // U+FFFD is what invalid UTF-8 decodes to: two different ids would be one.
      // deno-lint-ignore no-control-regex -- control characters are what it refuses
      if (/[\u0000-\u001f\uFFFD]/.test(id)) {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          "client_id is not valid UTF-8, or holds control characters; not applied",
        );
      }
      client = id;
      // Under mutual TLS an id is its certificate's alone.
      key = recordKey(id, context.peerCertificate?.fingerprint256);
    }
    const n = Number(seq);
    if (client === "") {
      if (n === 0) return undefined;
      throw new GrpcError(Status.INVALID_ARGUMENT, `seq ${seq} given without a client_id`);
    }
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new GrpcError(
        Status.INVALID_ARGUMENT,
        `numbers of client ${clientName(client)} need a seq from 1 on, got ${seq}; not applied`,
      );
    }
    const upTo = Number(confirmed);
    if (!Number.isSafeInteger(upTo) || upTo >= n) {
      throw new GrpcError(
        Status.INVALID_ARGUMENT,
        `number ${n} of client ${clientName(client)} says numbers up to ${confirmed} were ` +
          "confirmed: only numbers before it can be; not applied",
      );
    }
    return { client: key, seq: n, confirmed: upTo, resend };
  };
}

/** The reply carrying `sum`, at once when the store answered at once. */
function reply(sum: number | Promise<number>): ReplyMessage | Promise<ReplyMessage> {
  if (!(sum instanceof Promise)) return { sum };
  return sum.then((value) => ({ sum: value }), (error) => {
    throw statusOf(error);
  });
}

/**
 * The handlers of `sum.SumService` over one shared total. A reply is sent
 * only once the change it reports is committed.
 *
 * @example
 * ```ts ignore
 * const total = new RunningTotal(new MemoryStore());
 * server.add(SumService, sumService({ total, draining: server.draining }));
 * ```
 */
export function sumService(
  { total, draining }: SumServiceOptions,
): ServiceImplementation<SumMethods> {
  return {
    async *SumServer(requests, context) {
      const chain = {};
      const keyOf = sequenceOf(context);
      let invalid: GrpcError | undefined;
      const add = (request: RequestMessage) => {
        // An invalid request ends the stream: nothing after it is applied.
        if (invalid) throw invalid;
        let key;
        try {
          key = keyOf(request);
        } catch (error) {
          throw invalid = error as GrpcError;
        }
        return total.add(request.num, chain, key);
      };
      try {
        // Read-ahead costs the memory store, which commits at once, 9% of
        // its pipelined rate, and buys it nothing.
        if (!total.store.groupCommit) {
          for await (const request of requests) yield { sum: await add(request) };
        } else {
          for await (const sum of pipelined(requests, add, { limit: READ_AHEAD })) yield { sum };
        }
      } catch (error) {
        throw statusOf(error);
      }
    },

    Add(request, context) {
      try {
        return reply(total.add(request.num, undefined, sequenceOf(context)(request)));
      } catch (error) {
        throw statusOf(error);
      }
    },

    async AddAll(requests, context) {
      let batchSum = 0;
      let count = 0;
      let key: SequenceKey | undefined;
      const keyOf = sequenceOf(context);
      try {
        for await (const request of requests) {
          // The batch is one number of its client's sequence: the first message's seq.
          if (count === 0) key = keyOf(request);
          batchSum += request.num;
          count++;
          if (!Number.isSafeInteger(batchSum)) {
            throw new TotalOutOfRange(
              `the batch sum passed ${batchSum} after ${count} numbers; nothing applied`,
            );
          }
        }
        return await reply(total.addBatch(batchSum, count, key));
      } catch (error) {
        throw statusOf(error);
      }
    },

    async *Watch(request, context) {
      // A current-only Watch is a read, answered even while the server
      // drains: a client that connected just before its GOAWAY gets its total.
      const signal = request.current_only
        ? context.signal
        : AbortSignal.any([context.signal, draining]);
      try {
        for await (const sum of total.watch(signal)) {
          yield { sum };
          if (request.current_only) return;
        }
      } catch (error) {
        throw statusOf(error);
      }
    },
  };
}
