/**
 * Server reflection as a tool that knows no proto file uses it (grpcurl,
 * grpcui, Postman, Evans): for every service the server lists, over both
 * reflection versions, the file descriptors it serves are loaded into a
 * strict descriptor pool (Python protobuf's C++ or upb backend, which checks
 * them as protoc does), then a call is made that only they describe
 * (`interop/python/reflection_client.py`). Needs /usr/bin/python3 with grpc
 * and grpc_tools, and /usr/share/grpc-proto; skipped, saying so, without.
 */
import assert from "node:assert/strict";
import { GrpcServer, loadService, unary } from "../lib/mod.ts";
import { addReflection } from "../lib/server/reflection.ts";
import { missingPython, PythonProgram } from "../interop/python.ts";
import { startServerProgram } from "./helpers.ts";

const missing = await missingPython();

function pythonTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `${name}${missing ? ` (skipped: ${missing})` : ""}`,
    ignore: missing !== undefined,
    fn,
  });
}

/** What the reflection client prints against `target`; asserts it succeeded. */
async function reflect(
  target: string,
  version: string,
  calls: Record<string, [string, unknown]>,
): Promise<string[]> {
  await using client = new PythonProgram("python/reflection_client.py", [
    target,
    version,
    JSON.stringify(calls),
  ]);
  assert.equal(await client.exit(), 0, `${version}: ${client.stderr}`);
  return client.stdout.trimEnd().split("\n");
}

pythonTest(
  "reflection: every service server.ts lists, v1 and v1alpha, loads into a strict pool and is called from its descriptors alone",
  async () => {
    await using server = await startServerProgram(["--store", "memory"]);
    const calls: Record<string, [string, unknown]> = {
      "grpc.health.v1.Health": ["Check", { service: "sum.SumService" }],
      "sum.SumService": ["Add", { num: 5 }],
    };
    let total = 0;
    for (const version of ["v1", "v1alpha"]) {
      const [services, ...described] = await reflect(server.target, version, calls);
      total += 5;
      assert.deepEqual(services.split(" ").slice(1).sort(), Object.keys(calls).sort());
      assert.equal(described.length, 4, described.join("\n"));
      assert.ok(described.includes(
        "grpc.health.v1.Health: files grpc_health_v1.proto; methods Check Watch List",
      ));
      assert.ok(described.includes(
        'grpc.health.v1.Health/Check {"service": "sum.SumService"} -> {"status": "SERVING"}',
      ));
      assert.ok(
        described.some((line) =>
          /^sum\.SumService: files sum\.proto; methods SumServer Add AddAll Watch\b/.test(line)
        ),
      );
      assert.ok(described.includes(`sum.SumService/Add {"num": 5} -> {"sum": ${total}}`));
    }
  },
);

type Label = { text: string; extra_tags: Record<string, string> };
type Item = {
  item_id: string;
  stock_by_shop: Record<string, number>;
  price_history: Record<string, { cents: string; currency: string }>;
  state_by_region: Record<string, string>;
  labels__2: Record<string, Label>;
  listed_at: { seconds: string; nanos: number } | null;
  made_in?: string;
  imported_from?: Label;
  shelf?: number;
  offers: { cents: string; currency: string }[];
};

const FIXTURES = new URL("./fixtures/", import.meta.url);
const CATALOG_PROTO = new URL("catalog.proto", FIXTURES);

pythonTest(
  "reflection: maps, imported packages, optional fields and well-known types are served as protoc writes them",
  async () => {
    const Catalog = loadService(CATALOG_PROTO, {
      name: "catalog.v1.Catalog",
      methods: { Echo: unary<Item, Item>() },
    }, { includeDirs: [FIXTURES.pathname] });
    const server = new GrpcServer().add(Catalog, {
      Echo: (item) => ({
        ...item,
        stock_by_shop: Object.fromEntries(
          Object.entries(item.stock_by_shop).map(([shop, stock]) => [shop, stock * 2]),
        ),
      }),
    });
    addReflection(server, [CATALOG_PROTO], { includeDirs: [FIXTURES.pathname] });
    const port = await server.listen({ port: 0 });
    try {
      const item = {
        itemId: "lamp",
        stockByShop: { north: 3, "south-east": 4 },
        priceHistory: { "2023": { cents: "1999", currency: "CURRENCY_EUR" } },
        stateByRegion: { eu: "STATE_LISTED" },
        labels2: { a: { text: "new", extraTags: { colour: "red" } } },
        listedAt: "2024-05-01T12:00:00Z",
        importedFrom: { text: "Italy" },
        shelf: 0,
        offers: [{ cents: "1500" }],
      };
      for (const version of ["v1", "v1alpha"]) {
        const [services, files, call] = await reflect(`localhost:${port}`, version, {
          "catalog.v1.Catalog": ["Echo", item],
        });
        assert.equal(services, "services: catalog.v1.Catalog");
        assert.equal(
          files,
          "catalog.v1.Catalog: files catalog_common.proto catalog_v1.proto google_protobuf.proto; " +
            "methods Echo",
        );
        const [, request, response] = call.match(/^catalog\.v1\.Catalog\/Echo (.*) -> (.*)$/)!;
        assert.deepEqual(JSON.parse(request), item);
        assert.deepEqual(JSON.parse(response), {
          ...item,
          stockByShop: { north: 6, "south-east": 8 },
        });
      }
    } finally {
      await server.shutdown({ graceMs: 0 });
    }
  },
);

pythonTest(
  "reflection: a client that never reads its answers cannot make the server hold them: it stops reading its requests",
  async () => {
    await using server = await startServerProgram(["--store", "memory"]);
    await using client = new PythonProgram("python/unread_reflection.py", [
      server.target,
      "100000",
    ]);
    await client.waitFor(/sent 1000\n/);
    // Served raw, every request is read and answered into memory: all are sent
    // in a few seconds. Bounded, the server stops reading within a few thousand.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sent = await Promise.race([
      client.waitFor(/all sent\n/).then(() => 100_000),
      new Promise<number>((resolve) =>
        timer = setTimeout(() => resolve(Number(client.stdout.match(/sent (\d+)\n$/)?.[1])), 5_000)
      ),
    ]).finally(() => clearTimeout(timer));
    assert.ok(sent < 20_000, `the client sent ${sent} requests without reading an answer`);
  },
);
