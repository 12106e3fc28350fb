/**
 * The TLS credentials and the store a server serves with, or the one line
 * that says why it cannot have them. Each loads only the modules its
 * settings need: a supervisor checks them before it starts its workers, and
 * keeps what it loads as long as it runs.
 *
 * @module
 */
import type { ServerCredentials } from "../lib/mod.ts";
import { StoreOpenError, type StoreOptions, type TotalStore } from "../sum/store.ts";
import { openStore } from "../sum/store_url.ts";
import type { ServerConfig } from "./server_config.ts";
import { sqliteAccessProblem } from "./sqlite_access.ts";

/** `tls` loaded (undefined for plaintext), or the one line saying why it cannot be. */
export async function tlsCredentials(
  tls: ServerConfig["tls"],
): Promise<ServerCredentials | undefined | string> {
  if (tls === undefined) return undefined;
  const { serverCredentials, TlsOptionsError } = await import("../lib/tls.ts");
  try {
    return serverCredentials(tls);
  } catch (error) {
    if (!(error instanceof TlsOptionsError)) throw error;
    const flags = tls.clientCa
      ? "--tls-cert, --tls-key and --client-ca"
      : "--tls-cert and --tls-key";
    return `cannot serve TLS with ${flags}: ${error.message}`;
  }
}

/** The store `config` names, opened; or the one line saying why it cannot be. */
export async function openConfiguredStore(
  config: ServerConfig,
  args: string[],
): Promise<TotalStore | string> {
  return accessProblem(config, args) ??
    await storeRefusal(() => openStore(config.store, options(config)));
}

/**
 * What would stop every worker from serving with `config`, in one line, or
 * undefined. An SQLite file is opened and closed on this thread, not on the
 * worker thread a store serves from (see `SqliteStore.check`).
 */
export async function servingProblem(
  config: ServerConfig,
  args: string[],
): Promise<string | undefined> {
  const tls = await tlsCredentials(config.tls);
  if (typeof tls === "string") return tls;
  const access = accessProblem(config, args);
  if (access !== undefined) return access;
  const { store } = config;
  const refused = await storeRefusal(async () => {
    if (store.kind === "sqlite") {
      const { SqliteStore } = await import("../sum/sqlite_store.ts");
      return SqliteStore.check(store.path, { ...options(config), synchronous: store.synchronous });
    }
    const opened = await openStore(store, options(config));
    try {
      await opened.connect();
    } finally {
      await opened.close();
    }
  });
  return typeof refused === "string" ? refused : undefined;
}

/** Says on stderr, in one line, why the server cannot start; returns its exit status. */
export function refuseToStart(problem: string): number {
  console.error(`error: ${problem}`);
  return 1;
}

function options({ clientExpiryMs, maxClients }: ServerConfig): StoreOptions {
  return { clientExpiryMs, maxClients };
}

/** Why this process may not open `config`'s SQLite file, if it may not. */
function accessProblem(config: ServerConfig, args: string[]): string | undefined {
  if (config.store.kind !== "sqlite") return undefined;
  const problem = sqliteAccessProblem(config.store.path, args);
  return problem && `cannot open the store sqlite:${config.store.path}: ${problem}`;
}

/** What `open` resolves to, or the message of the `StoreOpenError` it throws; other errors are thrown on. */
async function storeRefusal<T>(open: () => Promise<T>): Promise<T | string> {
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof StoreOpenError)) throw error;
    return error.message;
  }
}
