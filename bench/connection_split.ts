/**
 * How a server's connections are spread over its worker processes, read
 * from /proc while a measurement runs. The kernel places each connection on
 * a worker by a hash of its addresses, and with the bench's 4 connections
 * over 2 workers that draw decides the figure (docs/performance.md,
 * "Workers").
 *
 * @module
 */
import { childrenOf } from "../testing/memory.ts";
import { run } from "./process.ts";

/** Established TCP connections to local `port` held by each of `pids`. */
export async function connectionsOf(pids: number[], port: number): Promise<number[]> {
  const sockets = new Set<string>();
  for (const line of (await run("cat", ["/proc/net/tcp", "/proc/net/tcp6"])).split("\n")) {
    // sl local_address rem_address st … inode: the state 01 is ESTABLISHED.
    const fields = line.trim().split(/\s+/);
    const localPort = parseInt(fields[1]?.split(":").at(-1) ?? "", 16);
    if (fields[3] === "01" && localPort === port) sockets.add(fields[9]);
  }
  return await Promise.all(pids.map(async (pid) => {
    const fds = await run("ls", ["-l", `/proc/${pid}/fd`]).catch(() => "");
    return [...fds.matchAll(/socket:\[(\d+)\]/g)].filter(([, inode]) => sockets.has(inode)).length;
  }));
}

/**
 * The connections to `port` on each of `pid`'s child processes, most first,
 * from the sample that found the most of them, read every 250 ms until
 * `done` settles; empty for a server without children.
 */
export async function connectionSplit(
  pid: number,
  port: number,
  done: Promise<unknown>,
): Promise<number[]> {
  let running = true;
  done.finally(() => running = false).catch(() => {});
  let best: number[] = [];
  while (running) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const children = await childrenOf(pid);
    if (children.length < 2) return [];
    const split = (await connectionsOf(children, port)).filter((n) => n > 0);
    if (total(split) > total(best)) best = split;
  }
  return best.sort((a, b) => b - a);
}

function total(counts: number[]): number {
  return counts.reduce((sum, n) => sum + n, 0);
}
