import assert from "node:assert/strict";
import { UsageError } from "../cli/flags.ts";
import { serverConfig } from "./server_config.ts";
import { parseStoreUrl } from "../sum/store_url.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("the store is --store, else SUM_STORE, else sqlite:sum.db", () => {
  const sumDb = { kind: "sqlite", path: "sum.db", synchronous: "full" };
  assert.deepEqual(serverConfig([])!.store, sumDb);
  assert.deepEqual(serverConfig([], env({ SUM_STORE: "memory" }))!.store, { kind: "memory" });
  assert.deepEqual(
    serverConfig(["--store", "memory"], env({ SUM_STORE: "sqlite:x.db" }))!.store,
    { kind: "memory" },
  );
  assert.deepEqual(serverConfig([], env({ SUM_STORE: "" }))!.store, sumDb);
});

Deno.test("files named on the command line are read from the folder the user ran it in (INIT_CWD under deno task)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const there = env({ INIT_CWD: dir, SUM_STORE: "sqlite:mine.db" });
    assert.deepEqual(serverConfig([], there)!.store, {
      kind: "sqlite",
      path: `${dir}/mine.db`,
      synchronous: "full",
    });
    // The default file stays in the server's own folder, where it may write.
    assert.deepEqual(serverConfig([], env({ INIT_CWD: dir }))!.store, {
      kind: "sqlite",
      path: "sum.db",
      synchronous: "full",
    });
    assert.throws(
      () => serverConfig(["--tls-cert", "server.pem", "--tls-key", "server.key"], there),
      new UsageError(`cannot read --tls-cert ${dir}/server.pem: no such file`),
    );
    Deno.writeTextFileSync(`${dir}/server.pem`, "certificate");
    Deno.writeTextFileSync(`${dir}/server.key`, "key");
    const { tls } = serverConfig(["--tls-cert", "server.pem", "--tls-key", "server.key"], there)!;
    assert.equal(new TextDecoder().decode(tls!.cert as Uint8Array), "certificate");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a store URL that names no store is a usage error saying where it came from and what is valid", () => {
  assert.throws(
    () => serverConfig(["--store", "postgres://x"]),
    new UsageError(
      '--store: "postgres://x" is not a store: use memory, sqlite:PATH[?synchronous=full|normal] ' +
        "or redis[s]://[USER:PASSWORD@]HOST:PORT[/DB][?prefix=PREFIX]",
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
  assert.deepEqual(parseStoreUrl("rediss://ada:secret@cache:6380?ca=ca.pem"), {
    kind: "redis",
    url: "rediss://ada:secret@cache:6380",
    prefix: "sum:",
    tls: { ca: "ca.pem" },
  });
  assert.deepEqual(parseStoreUrl("memory"), { kind: "memory" });
});

Deno.test("rediss:// files are read from the folder the user ran the server in", () => {
  const { store } = serverConfig(
    ["--store", "rediss://cache:6380?ca=certs/ca.pem&cert=/etc/c.pem&key=k.pem"],
    env({ INIT_CWD: "/home/ada" }),
  )!;
  assert.deepEqual(store, {
    kind: "redis",
    url: "rediss://cache:6380",
    prefix: "sum:",
    tls: { ca: "/home/ada/certs/ca.pem", cert: "/etc/c.pem", key: "/home/ada/k.pem" },
  });
  assert.throws(
    () => serverConfig(["--store", "redis://cache:6380?ca=ca.pem"]),
    new UsageError(
      '--store: "redis://cache:6380?ca=ca.pem" has an unknown option "ca" (known: prefix)',
    ),
  );
});

Deno.test("a store URL's password never appears in a message", () => {
  for (
    const [url, problem] of [
      ["redis://:secret@localhost:6379?prefx=a", 'has an unknown option "prefx"'],
      ["redis://ada:secret@localhost:6379/abc", "the path must be a database number"],
      ["redis://ada:secret@localhost:notaport", "is not a valid URL"],
      ["rediss://ada:secret@localhost:6379?cert=c.pem", "cert and key go together"],
    ]
  ) {
    for (const [args, vars] of [[["--store", url], {}], [[], { SUM_STORE: url }]] as const) {
      assert.throws(() => serverConfig([...args], env(vars)), (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.ok(!error.message.includes("secret"), error.message);
        assert.ok(error.message.includes(":***@localhost"), error.message);
        assert.ok(error.message.includes(problem), error.message);
        return true;
      });
    }
  }
});

Deno.test("workers: --workers is optional, replacement limits have defaults, and a memory limit near a new worker's is refused", () => {
  const config = serverConfig([])!;
  assert.equal(config.workers, undefined);
  assert.equal(config.workerMaxConnections, 2000);
  assert.equal(config.workerMaxRssBytes, 1024 * 2 ** 20);
  assert.equal(serverConfig(["--workers", "4"])!.workers, 4);
  assert.throws(
    () => serverConfig(["--worker-max-rss", "100"]),
    new UsageError('--worker-max-rss must be an integer from 256 to 1048576, not "100"'),
  );
});
