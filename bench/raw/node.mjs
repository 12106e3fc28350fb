// Raw grpc-js on Node: node bench/raw/node.mjs PORT, with grpc-js installed
// under bench/.node (the bench does that).
import { createRequire } from "node:module";
import { serve } from "./sum_server.mjs";

const require = createRequire(new URL("../.node/package.json", import.meta.url));
serve(
  require("@grpc/grpc-js"),
  require("@grpc/proto-loader"),
  new URL("../../sum.proto", import.meta.url).pathname,
  Number(process.argv[2] ?? 0),
);
