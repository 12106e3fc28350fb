import type { RedisTls } from "./redis_store.ts";
import type { SqliteSync } from "./sqlite_store.ts";
import { messageOf, StoreOpenError, type StoreOptions, type TotalStore } from "./store.ts";

/** The store a server uses when none is named. */
export const DEFAULT_STORE = "sqlite:sum.db";

/** How to name a store, for messages. */
export const STORE_FORMS = "memory, sqlite:PATH[?synchronous=full|normal] or " +
  "redis[s]://[USER:PASSWORD@]HOST:PORT[/DB][?prefix=PREFIX]";

/** Files for TLS to Redis (`rediss://`), as paths: the CA to trust, a client certificate. */
export interface RedisTlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A store named by its URL, checked but not yet opened. */
export type StoreSpec =
  | { kind: "memory" }
  | { kind: "sqlite"; path: string; synchronous: SqliteSync }
  | { kind: "redis"; url: string; prefix: string; tls?: RedisTlsFiles };

/** Thrown for a store URL that names no store; its message is one line. */
export class StoreUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreUrlError";
  }
}

function option(params: URLSearchParams, known: string[], text: string): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      throw new StoreUrlError(
        `"${text}" has an unknown option "${key}"` +
          (known.length > 0 ? ` (known: ${known.join(", ")})` : ""),
      );
    }
  }
}

/**
 * Reads a store URL: `memory`, `sqlite:PATH` with an optional
 * `?synchronous=full|normal`, or `redis://HOST:PORT[/DB]` with an optional
 * `?prefix=PREFIX` for its keys (default `sum:`). `rediss://` is Redis over
 * TLS, trusting the system's CAs or `?ca=FILE`, with a client certificate
 * from `&cert=FILE&key=FILE` if Redis asks for one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStoreUrl } from "./store_url.ts";
 * assert.deepEqual(parseStoreUrl("sqlite:data/sum.db?synchronous=normal"), {
 *   kind: "sqlite",
 *   path: "data/sum.db",
 *   synchronous: "normal",
 * });
 * assert.deepEqual(parseStoreUrl("redis://localhost:6379/2?prefix=a:"), {
 *   kind: "redis",
 *   url: "redis://localhost:6379/2",
 *   prefix: "a:",
 * });
 * ```
 */
export function parseStoreUrl(url: string): StoreSpec {
  if (url === "memory") return { kind: "memory" };
  // Messages name the URL as given, but never its password.
  const text = withoutPassword(url);
  const [base, query = ""] = url.split(/\?(.*)/s, 2);
  const params = new URLSearchParams(query);
  if (base.startsWith("sqlite:")) {
    option(params, ["synchronous"], text);
    const path = base.slice("sqlite:".length);
    if (path === "") throw new StoreUrlError(`"${text}" names no file: write sqlite:PATH`);
    const synchronous = (params.get("synchronous") ?? "full").toLowerCase();
    if (synchronous !== "full" && synchronous !== "normal") {
      throw new StoreUrlError(`"${text}": synchronous must be full or normal`);
    }
    return { kind: "sqlite", path, synchronous };
  }
  if (base.startsWith("redis://") || base.startsWith("rediss://")) {
    const tls = base.startsWith("rediss://");
    option(params, tls ? ["prefix", "ca", "cert", "key"] : ["prefix"], text);
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch {
      throw new StoreUrlError(`"${text}" is not a valid URL`);
    }
    if (parsed.hostname === "") throw new StoreUrlError(`"${text}" names no host`);
    if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
      throw new StoreUrlError(`"${text}": the path must be a database number, as in /0`);
    }
    const prefix = params.get("prefix") ?? "sum:";
    if (!tls) return { kind: "redis", url: base, prefix };
    const files: RedisTlsFiles = {};
    for (const name of ["ca", "cert", "key"] as const) {
      const path = params.get(name);
      if (path) files[name] = path;
    }
    if ((files.cert === undefined) !== (files.key === undefined)) {
      throw new StoreUrlError(`"${text}": cert and key go together`);
    }
    return { kind: "redis", url: base, prefix, tls: files };
  }
  throw new StoreUrlError(`"${text}" is not a store: use ${STORE_FORMS}`);
}

/**
 * `url` with its password, if any, masked: what messages and logs may show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withoutPassword } from "./store_url.ts";
 * assert.equal(withoutPassword("redis://ada:secret@cache:6379/1"), "redis://ada:***@cache:6379/1");
 * assert.equal(withoutPassword("redis://:secret@cache"), "redis://:***@cache");
 * ```
 */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}

/**
 * Opens the store `spec` names; rejects with a one-line `StoreOpenError` if
 * it cannot. Only that store's modules are loaded: node-redis alone adds
 * about 30 MiB to a process, which a supervisor would carry all its life.
 */
export async function openStore(spec: StoreSpec, options: StoreOptions = {}): Promise<TotalStore> {
  switch (spec.kind) {
    case "memory": {
      const { MemoryStore } = await import("./memory_store.ts");
      return new MemoryStore(options);
    }
    case "sqlite": {
      const { SqliteStore } = await import("./sqlite_store.ts");
      return await SqliteStore.open(spec.path, { ...options, synchronous: spec.synchronous });
    }
    case "redis": {
      const tls = readTls(spec.tls);
      const { RedisStore } = await import("./redis_store.ts");
      return new RedisStore(spec.url, { ...options, prefix: spec.prefix, tls });
    }
  }
}

/** The TLS files of a `rediss://` store, read; a one-line `StoreOpenError` if one cannot be. */
function readTls(files: RedisTlsFiles | undefined): RedisTls | undefined {
  if (files === undefined) return undefined;
  const tls: RedisTls = {};
  for (const [name, path] of Object.entries(files) as Array<[keyof RedisTlsFiles, string]>) {
    try {
      tls[name] = Deno.readTextFileSync(path);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound ? "no such file" : messageOf(error);
      throw new StoreOpenError(`cannot read the ${name} of the Redis store, ${path}: ${reason}`);
    }
  }
  return tls;
}
