import { GrpcError, pipelined, type ServiceImplementation, Status } from "../lib/mod.ts";
import type { ReplyMessage, RequestMessage, SumMethods } from "./api.ts";
import { StoreFailure } from "./store.ts";
import { type RunningTotal, TotalOutOfRange, TotalsMissed } from "./total.ts";

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
  return error;
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
    async *SumServer(requests) {
      const chain = {};
      const add = ({ num }: RequestMessage) => total.add(num, chain);
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

    Add({ num }) {
      try {
        return reply(total.add(num));
      } catch (error) {
        throw statusOf(error);
      }
    },

    async AddAll(requests) {
      let batchSum = 0;
      let count = 0;
      try {
        for await (const { num } of requests) {
          batchSum += num;
          count++;
          if (!Number.isSafeInteger(batchSum)) {
            throw new TotalOutOfRange(
              `the batch sum passed ${batchSum} after ${count} numbers; nothing applied`,
            );
          }
        }
        return await reply(total.addBatch(batchSum, count));
      } catch (error) {
        throw statusOf(error);
      }
    },

    async *Watch(_request, context) {
      try {
        for await (const sum of total.watch(AbortSignal.any([context.signal, draining]))) {
          yield { sum };
        }
      } catch (error) {
        throw statusOf(error);
      }
    },
  };
}
