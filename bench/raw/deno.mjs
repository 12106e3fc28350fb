// Raw grpc-js on Deno: deno run -A bench/raw/deno.mjs PORT
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
