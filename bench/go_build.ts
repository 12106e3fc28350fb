/**
 * The bench's Go programs (the load generator, grpc-go's server), built with
 * Debian's grpc-go, without modules.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { run } from "./process.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Builds `bench/NAME` into the folder `dir`; resolves to the program's path. */
export async function goBuild(name: "loadgen" | "go_server", dir: string): Promise<string> {
  const program = `${dir}/${name}`;
  await run("go", ["build", "-o", program, `./bench/${name}`], {
    cwd: root,
    env: { GO111MODULE: "off", GOPATH: "/usr/share/gocode" },
  });
  return program;
}
