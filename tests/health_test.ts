import assert from "node:assert/strict";
import {
  bidiStreaming,
  type CallSummary,
  createChannel,
  createClient,
  isGrpcError,
  loadService,
  Status,
  statusName,
} from "../lib/mod.ts";
import { collect, Health, rejection, startSumServer, sumClient } from "./helpers.ts";

type ReflectionRequest = { list_services?: string; file_containing_symbol?: string };
type ReflectionResponse = {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] };
};

const reflection = (version: string) =>
  loadService(`/usr/share/grpc-proto/grpc/reflection/${version}/reflection.proto`, {
    name: `grpc.reflection.${version}.ServerReflection`,
    methods: { ServerReflectionInfo: bidiStreaming<ReflectionRequest, ReflectionResponse>() },
  }, { includeDirs: ["/usr/share/grpc-proto"] });

Deno.test("health reports SERVING for the server and for sum.SumService, NOT_FOUND for others", async () => {
  await using sum = await startSumServer();
  const channel = createChannel(sum.target);
  try {
    const health = createClient(Health, channel);
    assert.deepEqual(await health.Check({ service: "" }), { status: "SERVING" });
    assert.deepEqual(await health.Check({ service: "sum.SumService" }), { status: "SERVING" });
    assert.ok(isGrpcError(await rejection(health.Check({ service: "nope" })), Status.NOT_FOUND));
  } finally {
    channel.close();
  }
});

Deno.test("health turns NOT_SERVING as soon as a graceful shutdown begins, while calls still run, and its watches end UNAVAILABLE", async () => {
  await using sum = await startSumServer();
  const channel = createChannel(sum.target);
  using client = sumClient(sum.target);
  try {
    const statuses: string[] = [];
    const serving = Promise.withResolvers<void>();
    const notServing = Promise.withResolvers<void>();
    const watching = rejection((async () => {
      for await (const { status } of createClient(Health, channel).Watch({ service: "" })) {
        statuses.push(status);
        if (status === "SERVING") serving.resolve();
        if (status === "NOT_SERVING") notServing.resolve();
      }
    })());
    // An open SumServer call that outlives the start of the shutdown.
    const release = Promise.withResolvers<void>();
    const requests = async function* () {
      yield { num: 1 };
      await release.promise;
      yield { num: 2 };
    };
    const streaming = collect(client.SumServer(requests()));
    await serving.promise;
    const shutdown = sum.server.shutdown({ graceMs: 2_000 });
    await notServing.promise;
    release.resolve();
    assert.deepEqual((await streaming).map((reply) => reply.sum), [1, 3]);
    assert.deepEqual(await shutdown, { forced: false }, "the health watch did not hold it up");
    const ended = await watching;
    assert.ok(isGrpcError(ended, Status.UNAVAILABLE), `the watch ended with ${ended}`);
    assert.equal(ended.details, "the server is shutting down");
    assert.deepEqual(statuses.slice(0, 2), ["SERVING", "NOT_SERVING"]);
  } finally {
    channel.close();
  }
});

Deno.test("health and reflection calls are reported like the service's own, with their peer, each call once", async () => {
  const summaries: CallSummary[] = [];
  const reflected = Promise.withResolvers<void>();
  await using sum = await startSumServer({
    onCallEnd: (summary) => {
      summaries.push(summary);
      if (summary.method.includes("ServerReflection")) reflected.resolve();
    },
  });
  const channel = createChannel(sum.target);
  using client = sumClient(sum.target);
  try {
    assert.deepEqual(await client.Add({ num: 1 }), { sum: 1 });
    assert.deepEqual(await createClient(Health, channel).Check({ service: "" }), {
      status: "SERVING",
    });
    const reflectionClient = createClient(reflection("v1"), channel);
    await collect(reflectionClient.ServerReflectionInfo([{ list_services: "" }]));
    await reflected.promise;
  } finally {
    channel.close();
  }
  const methods = summaries.map((s) => `${s.method} ${statusName(s.code)}`);
  assert.deepEqual(methods, [
    "/sum.SumService/Add OK",
    "/grpc.health.v1.Health/Check OK",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo OK",
  ]);
  for (const { peer } of summaries) assert.match(peer, /^(127\.0\.0\.1|\[::1\]):\d+$/);
});

for (const version of ["v1", "v1alpha"]) {
  Deno.test(`reflection ${version} lists the services and describes sum.SumService`, async () => {
    await using sum = await startSumServer();
    const channel = createChannel(sum.target);
    try {
      const client = createClient(reflection(version), channel);
      const [list, file] = await collect(client.ServerReflectionInfo([
        { list_services: "" },
        { file_containing_symbol: "sum.SumService" },
      ]));
      const names = list.list_services_response!.service.map((service) => service.name).sort();
      assert.deepEqual(names, ["grpc.health.v1.Health", "sum.SumService"]);
      const descriptor = new TextDecoder().decode(
        file.file_descriptor_response!.file_descriptor_proto[0],
      );
      for (
        const name of [
          "sum.proto",
          "SumService",
          "SumServer",
          "Add",
          "AddAll",
          "Watch",
          "RequestMessage",
        ]
      ) {
        assert.ok(descriptor.includes(name), `the descriptor names ${name}`);
      }
    } finally {
      channel.close();
    }
  });
}
