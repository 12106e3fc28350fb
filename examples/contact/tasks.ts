import { Inbox } from "../../lib/mod.ts";

/**
 * The server's tasks, kept in order. Each follower gets every task from the
 * first, then each new one as it is added.
 *
 * @example
 * ```ts
 * import { TaskList } from "./tasks.ts";
 * const tasks = new TaskList();
 * const stop = new AbortController();
 * tasks.add("task: 101");
 * for await (const task of tasks.follow(stop.signal)) {
 *   console.log(task); // "task: 101"
 *   break;
 * }
 * ```
 */
export class TaskList {
  readonly #tasks: string[] = [];
  readonly #followers = new Set<Inbox<string>>();

  /** Adds tasks, and hands them to every follower. */
  add(...tasks: string[]): void {
    this.#tasks.push(...tasks);
    for (const follower of this.#followers) for (const task of tasks) follower.push(task);
  }

  /**
   * Every task so far, then each new one, until `signal` aborts; the
   * iteration then throws the signal's reason.
   */
  follow(signal: AbortSignal): AsyncIterable<string> {
    const follower = new Inbox<string>();
    for (const task of this.#tasks) follower.push(task);
    const stop = () => {
      this.#followers.delete(follower);
      follower.end(signal.reason);
    };
    if (signal.aborted) stop();
    else {
      this.#followers.add(follower);
      signal.addEventListener("abort", stop, { once: true });
    }
    return follower;
  }
}
