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

/**
 * The resident memory of a process and of its children, in KiB: a server
 * that serves from worker processes is all of them.
 */
export async function memoryOfTree(pid: number): Promise<{ rssKiB: number; processes: number }> {
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/task/${pid}/children`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const children = new TextDecoder().decode(stdout).trim().split(/\s+/).filter(Boolean);
  let rssKiB = (await memoryOf(pid)).rssKiB;
  for (const child of children) {
    rssKiB += await memoryOf(Number(child)).then(({ rssKiB }) => rssKiB, () => 0);
  }
  return { rssKiB, processes: 1 + children.length };
}
