/**
 * Collects what a client or server prints, for tests: pass `print` where a
 * program would print with `console.log`.
 *
 * @example
 * ```ts ignore
 * const out = new Printed();
 * const running = runClient(target, out.print, { signal });
 * await out.waitFor((texts) => texts.length >= 2);
 * ```
 */
export class Printed {
  /** Each printed text, in order: one per `print` call, as `console.log` would get it. */
  readonly texts: string[] = [];
  #changed = Promise.withResolvers<void>();

  /** Records `text`; bound, so it can be passed on as is. */
  readonly print = (text: string): void => {
    this.texts.push(text);
    this.#changed.resolve();
    this.#changed = Promise.withResolvers();
  };

  /** Everything printed, as a terminal would show it. */
  get output(): string {
    return this.texts.map((text) => `${text}\n`).join("");
  }

  /**
   * Resolves once `condition` holds for what has been printed; rejects,
   * showing what was printed, if it does not within `timeoutMs`.
   */
  async waitFor(
    condition: (texts: readonly string[]) => boolean,
    timeoutMs = 5_000,
  ): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not printed within ${timeoutMs} ms; printed: ${this.texts}`)),
        timeoutMs,
      );
    });
    try {
      while (!condition(this.texts)) await Promise.race([this.#changed.promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
