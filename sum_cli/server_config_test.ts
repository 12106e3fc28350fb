import assert from "node:assert/strict";
import { UsageError } from "../cli/flags.ts";
import { serverConfig } from "./server_config.ts";
import { parseStoreUrl } from "../sum/store_url.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("the store is --store, else SUM_STORE, else sqlite:sum.db", () => {
  assert.equal(serverConfig([])!.storeUrl, "sqlite:sum.db");
  assert.deepEqual(serverConfig([])!.store, {
    kind: "sqlite",
    path: "sum.db",
    synchronous: "full",
  });
  assert.equal(serverConfig([], env({ SUM_STORE: "memory" }))!.storeUrl, "memory");
  assert.equal(
    serverConfig(["--store", "memory"], env({ SUM_STORE: "sqlite:x.db" }))!.storeUrl,
    "memory",
  );
  assert.equal(serverConfig([], env({ SUM_STORE: "" }))!.storeUrl, "sqlite:sum.db");
});

Deno.test("a store URL that names no store is a usage error saying where it came from and what is valid", () => {
  assert.throws(
    () => serverConfig(["--store", "postgres://x"]),
    new UsageError(
      '--store: "postgres://x" is not a store: use memory, sqlite:PATH[?synchronous=full|normal] ' +
        "or redis://HOST:PORT[/DB][?prefix=PREFIX]",
    ),
  );
  assert.throws(
    () => serverConfig([], env({ SUM_STORE: "sqlite:" })),
    new UsageError('SUM_STORE: "sqlite:" names no file: write sqlite:PATH'),
  );
  assert.throws(
    () => serverConfig(["--store", "sqlite:a.db?synchronous=off"]),
    new UsageError('--store: "sqlite:a.db?synchronous=off": synchronous must be full or normal'),
  );
  assert.throws(
    () => serverConfig(["--store", "redis://localhost:6379?db=2"]),
    new UsageError(
      '--store: "redis://localhost:6379?db=2" has an unknown option "db" (known: prefix)',
    ),
  );
  assert.throws(
    () => serverConfig(["--store", "redis://localhost:6379/x"]),
    new UsageError(
      '--store: "redis://localhost:6379/x": the path must be a database number, as in /0',
    ),
  );
});

Deno.test("store URLs carry their options: SQLite's synchronous mode, Redis's key prefix and database", () => {
  assert.deepEqual(parseStoreUrl("sqlite:/var/lib/sum.db?synchronous=NORMAL"), {
    kind: "sqlite",
    path: "/var/lib/sum.db",
    synchronous: "normal",
  });
  assert.deepEqual(parseStoreUrl("redis://cache:6380/3"), {
    kind: "redis",
    url: "redis://cache:6380/3",
    prefix: "sum:",
  });
  assert.deepEqual(parseStoreUrl("memory"), { kind: "memory" });
});
