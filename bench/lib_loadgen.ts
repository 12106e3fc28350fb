/**
 * The Go load generator's measurements, made with lib/'s client instead:
 * `deno run -A bench/lib_loadgen.ts --target HOST:PORT --mode MODE`. Prints
 * one JSON object, as the Go one does.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Channel, createChannel, createClient } from "../lib/mod.ts";
import { SumService } from "../sum/api.ts";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "localhost:50051" },
    mode: { type: "string", default: "pipelined" },
    n: { type: "string", default: "200000" },
    streams: { type: "string", default: "100" },
    conns: { type: "string", default: "4" },
    inflight: { type: "string", default: "64" },
  },
});
const n = Number(values.n);

function* ones(count: number) {
  for (let i = 0; i < count; i++) yield { num: 1 };
}

/** Streams `count` ones on one call while reading the replies; returns the first and last totals. */
async function stream(channel: Channel, count: number): Promise<[number, number]> {
  let first = NaN;
  let last = NaN;
  for await (const { sum } of createClient(SumService, channel).SumServer(ones(count))) {
    if (Number.isNaN(first)) first = sum;
    last = sum;
  }
  return [first, last];
}

const percentile = (sorted: number[], p: number) => sorted[Math.floor((sorted.length - 1) * p)];

async function measure(mode: string, channel: Channel): Promise<Record<string, number>> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  switch (mode) {
    case "pipelined": {
      const [first, last] = await stream(channel, n);
      if (last - first !== n - 1) throw new Error(`last reply ${last} after first ${first}`);
      return { msgs_per_s: n / seconds() };
    }
    case "pingpong": {
      const latencies: number[] = [];
      let answered = Promise.withResolvers<void>();
      const pingPong = async function* () {
        for (let i = 0; i < n; i++) {
          const began = performance.now();
          yield { num: 1 };
          await answered.promise;
          latencies.push((performance.now() - began) * 1000);
          answered = Promise.withResolvers();
        }
      };
      for await (const _ of createClient(SumService, channel).SumServer(pingPong())) {
        answered.resolve();
      }
      latencies.sort((a, b) => a - b);
      return {
        p50_us: percentile(latencies, 0.5),
        p99_us: percentile(latencies, 0.99),
        max_us: percentile(latencies, 1),
      };
    }
    case "fanin": {
      const pool = Array.from({ length: Number(values.conns) }, () => createChannel(values.target));
      const streams = Number(values.streams);
      await Promise.all(
        Array.from({ length: streams }, (_, i) => stream(pool[i % pool.length], n)),
      );
      pool.forEach((c) => c.close());
      return { msgs_per_s: (n * streams) / seconds() };
    }
    case "unary": {
      const client = createClient(SumService, channel);
      const latencies: number[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: Number(values.inflight) }, async () => {
        while (next++ < n) {
          const began = performance.now();
          await client.Add({ num: 1 });
          latencies.push((performance.now() - began) * 1000);
        }
      }));
      latencies.sort((a, b) => a - b);
      return { calls_per_s: n / seconds(), p99_us: percentile(latencies, 0.99) };
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

const channel = createChannel(values.target);
try {
  console.log(JSON.stringify({ mode: values.mode, ...await measure(values.mode, channel) }));
} finally {
  channel.close();
}
