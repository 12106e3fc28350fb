// Raw grpc-js on Deno with lib/'s write batching and nothing else of lib/:
// deno run -A bench/raw/deno_batched.mjs PORT. Against server.ts, it shows
// what the rest of lib/ costs.
import "../../lib/deno_http2_writes.ts";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import process from "node:process";
import { serve } from "./sum_server.mjs";

serve(
  grpc,
  loader,
  new URL("../../sum.proto", import.meta.url).pathname,
  Number(process.argv[2] ?? 0),
);
