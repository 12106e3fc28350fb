/** A server started for one measurement, and how to read its memory. */
export interface RunningServer extends AsyncDisposable {
  target: string;
  pid: number;
}

/**
 * Starts `command args` and resolves once it prints `listening on HOST:PORT`.
 * Disposing it kills it and waits for it to exit.
 */
export async function startServer(command: string, args: string[]): Promise<RunningServer> {
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONUNBUFFERED: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let match: RegExpMatchArray | null = null;
  while (!match) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${command} ${args.join(" ")} exited early: ${await stderr}`);
    seen += value;
    match = seen.match(/listening on (\S+:\d+)/);
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    target: match[1].replace(/^(\[::\]|0\.0\.0\.0):/, "localhost:"),
    pid: child.pid,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await stderr;
    },
  };
}

/** Runs a command to the end; resolves to its stdout, or throws with its stderr. */
export async function run(command: string, args: string[], options: Deno.CommandOptions = {}) {
  const output = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...options,
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success) {
    // Not piped when inherited: Deno throws on reading it.
    const why = options.stderr === "inherit" ? "see above" : text(output.stderr);
    throw new Error(`${command} ${args.join(" ")} failed: ${why}`);
  }
  return text(output.stdout);
}
