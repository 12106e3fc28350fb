/**
 * `deno doc` on lib/ (`deno task doc [--lint | --html …]`), without the
 * warning Deno 2.8.3 prints for each of @types/node's declaration files.
 *
 * Those warnings ("Failed resolving types. Could not find package 'zlib.d.ts'
 * from referrer '…/@types/node/…/index.d.ts'") are denoland/deno#36751:
 * deno_graph resolves `/// <reference path="zlib.d.ts" />` as a package name,
 * in every @types/node, which grpc-js's declarations bring in. They say
 * nothing about lib/. Every other line passes through, and the exit code is
 * deno doc's own. Remove this once the pinned Deno resolves those references.
 *
 * @module
 */
// A warning line, and the "at …" line under it, both naming @types/node.
const NODE_TYPES_WARNING =
  /^(Warning Failed resolving types\. Could not find package .+ from referrer |\s+at )\S*\/@types\/node\//;
// deno-lint-ignore no-control-regex -- the escape codes of colored output
const COLORS = /\x1b\[[0-9;]*m/g;
const dropped = (line: string) => NODE_TYPES_WARNING.test(line.replace(COLORS, ""));

const child = new Deno.Command(Deno.execPath(), {
  args: ["doc", ...Deno.args, "lib/mod.ts"],
  stdout: "inherit",
  stderr: "piped",
}).spawn();
let pending = "";
const encoder = new TextEncoder();
for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
  const lines = (pending + chunk).split("\n");
  pending = lines.pop()!;
  const kept = lines.filter((line) => !dropped(line));
  if (kept.length) {
    await Deno.stderr.write(encoder.encode(kept.map((line) => line + "\n").join("")));
  }
}
if (pending && !dropped(pending)) await Deno.stderr.write(encoder.encode(pending));
Deno.exit((await child.status).code);
