import { GrpcError, type ServiceImplementation, Status } from "../lib/mod.ts";
import type { SumMethods } from "./api.ts";
import { type RunningTotal, TotalOutOfRange } from "./total.ts";

/** What the sum service works on. */
export interface SumServiceOptions {
  /** The total every call shares. */
  total: RunningTotal;
  /** Aborts when the server starts shutting down: watchers end then, with its reason. */
  draining: AbortSignal;
}

function statusOf(error: unknown): unknown {
  return error instanceof TotalOutOfRange
    ? new GrpcError(Status.OUT_OF_RANGE, error.message)
    : error;
}

/**
 * The handlers of `sum.SumService` over one shared total.
 *
 * @example
 * ```ts ignore
 * server.add(SumService, sumService({ total: new RunningTotal(), draining: server.draining }));
 * ```
 */
export function sumService(
  { total, draining }: SumServiceOptions,
): ServiceImplementation<SumMethods> {
  return {
    async *SumServer(requests) {
      try {
        for await (const { num } of requests) yield { sum: total.add(num) };
      } catch (error) {
        throw statusOf(error);
      }
    },

    Add({ num }) {
      try {
        return { sum: total.add(num) };
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
        return { sum: total.addBatch(batchSum, count) };
      } catch (error) {
        throw statusOf(error);
      }
    },

    async *Watch(_request, context) {
      for await (const sum of total.watch(AbortSignal.any([context.signal, draining]))) {
        yield { sum };
      }
    },
  };
}
