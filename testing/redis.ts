/**
 * A real `redis-server` for the tests and the bench, on a free port with a folder of its
 * own; nothing assumes a Redis already running.
 *
 * @module
 */
import { closedPort, TextSink } from "./programs.ts";

/** Options of {@linkcode startRedis}. */
export interface RedisOptions {
  /** Keep an append-only file (`appendonly yes`, `appendfsync everysec`). Default true. */
  appendonly?: boolean;
  /** The port; default a free one. */
  port?: number;
  /** More `redis-server` arguments, such as `["--requirepass", "secret"]`; they override the defaults. */
  args?: string[];
}

/** A running Redis; disposing stops it and removes its folder. */
export interface TestRedis extends AsyncDisposable {
  port: number;
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** Stops it as a shutdown would (SIGTERM: the append-only file is flushed). */
  stop(): Promise<void>;
  /**
   * Starts it again on the same port and folder, after {@linkcode stop};
   * resolves once it has loaded its file. With `keyLoadDelayUs`, it waits
   * that long per command as it loads (answering `LOADING` meanwhile).
   */
  start(options?: { keyLoadDelayUs?: number }): Promise<void>;
  /** Freezes it (SIGSTOP): its connections stay open and nothing answers. */
  freeze(): void;
  /** Lets it go on after {@linkcode freeze} (SIGCONT). */
  thaw(): void;
}

async function spawn(port: number, dir: string, appendonly: boolean, more: string[] = []) {
  const process = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      appendonly ? "yes" : "no",
      "--appendfsync",
      "everysec",
      ...more,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log = new TextSink();
  const piped = Promise.all([
    process.stdout.pipeTo(log.stream),
    process.stderr.pipeTo(new WritableStream()),
  ]);
  const exited = process.status.then(async (status) => {
    await piped;
    return status;
  });
  await Promise.race([
    log.waitFor(/Ready to accept connections/),
    exited.then(() => {
      throw new Error(`redis-server on port ${port} exited at start: ${log.text}`);
    }),
  ]);
  return { process, exited };
}

/** Starts `redis-server` on a free port, in a new temporary folder. */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? closedPort();
  const dir = await Deno.makeTempDir({ prefix: "sum-redis-" });
  const appendonly = options.appendonly ?? true;
  const args = options.args ?? [];
  let running: Awaited<ReturnType<typeof spawn>> | undefined = await spawn(
    port,
    dir,
    appendonly,
    args,
  );
  const stop = async () => {
    if (!running) return;
    const { process, exited } = running;
    running = undefined;
    process.kill("SIGCONT");
    process.kill("SIGTERM");
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async start({ keyLoadDelayUs } = {}) {
      const more = keyLoadDelayUs ? ["--key-load-delay", String(keyLoadDelayUs)] : [];
      running ??= await spawn(port, dir, appendonly, [...args, ...more]);
    },
    freeze: () => running?.process.kill("SIGSTOP"),
    thaw: () => running?.process.kill("SIGCONT"),
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
