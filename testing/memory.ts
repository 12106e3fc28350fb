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
