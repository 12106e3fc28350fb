/**
 * A process's memory as the system sees it, for the tests and the bench.
 *
 * @module
 */

/**
 * A process's resident memory now and at its peak, in KiB, from /proc (read
 * with `cat`: Deno lets a program read /proc only with every permission).
 */
export async function memoryOf(pid: number): Promise<{ rssKiB: number; peakKiB: number }> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) throw new Error(`no process ${pid}`);
  const status = new TextDecoder().decode(stdout);
  const field = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))?.[1]);
  return { rssKiB: field("VmRSS"), peakKiB: field("VmHWM") };
}

/** The pids of `pid`'s children, in the order /proc gives them. */
export async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/task/${pid}/children`],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * The resident memory of a process and of its children, in KiB: a server
 * that serves from worker processes is all of them.
 */
export async function memoryOfTree(pid: number): Promise<{ rssKiB: number; processes: number }> {
  const children = await childrenOf(pid);
  let rssKiB = (await memoryOf(pid)).rssKiB;
  for (const child of children) {
    rssKiB += await memoryOf(child).then(({ rssKiB }) => rssKiB, () => 0);
  }
  return { rssKiB, processes: 1 + children.length };
}

/**
 * {@linkcode memoryOfTree} once `pid`'s children have stayed the same for
 * `quietMs` (up to `timeoutMs`): a server replacing a worker holds both for
 * a moment (the new one listens before the old one leaves), and a reading
 * then counts a worker twice.
 */
export async function settledMemoryOfTree(
  pid: number,
  { quietMs = 1_000, timeoutMs = 15_000 } = {},
): Promise<{ rssKiB: number; processes: number }> {
  const deadline = performance.now() + timeoutMs;
  let seen = String(await childrenOf(pid));
  let since = performance.now();
  while (performance.now() - since < quietMs && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = String(await childrenOf(pid));
    if (now !== seen) [seen, since] = [now, performance.now()];
  }
  return await memoryOfTree(pid);
}
