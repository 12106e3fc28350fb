// Raw grpc-js on Deno: deno run -A bench/raw/deno.mjs PORT [--batched].
// With --batched, lib/'s two write fixes are applied and nothing else of lib/
// (one socket write per turn; response messages queued behind the one in
// flight handed on at once): against it, server.ts shows what the rest of
// lib/ costs.
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import process from "node:process";
import { serve } from "./sum_server.mjs";

let prepareReplies;
if (process.argv.includes("--batched")) {
  const { applyServerWriteBatching } = await import("../../lib/deno/http2_writes.ts");
  const { overlapWrites } = await import("../../lib/deno/write_overlap.ts");
  const { directTransportOf } = await import("../../lib/grpc_js/grpc_internals.ts");
  applyServerWriteBatching();
  prepareReplies = (call) => overlapWrites(call, directTransportOf(call));
}
serve(
  grpc,
  loader,
  new URL("../../sum.proto", import.meta.url).pathname,
  Number(process.argv[2] ?? 0),
  prepareReplies,
);
