/**
 * gRPC server reflection for a {@linkcode GrpcServer}, in a module of its own
 * so that only servers that serve it load its packages.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Server } from "@grpc/grpc-js";
import { EventEmitter } from "node:events";
import { ReflectionService } from "@grpc/reflection";
import { fileURLToPath } from "node:url";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { protocDescriptors } from "../wire/descriptors.ts";
import type { LoaderOptions, ServiceDefinition } from "../grpc_js/grpc_types.ts";
import { bidiStreaming } from "../wire/service.ts";
import type { GrpcServer } from "./server.ts";

/**
 * Serves gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) on
 * `server`, describing every service in `protoFiles`, so that grpcurl,
 * grpcui, Postman or Evans can list and call them without the proto files.
 *
 * The file descriptors served are the ones protoc would write, which strict
 * descriptor pools (grpc-go's, which grpcurl uses; protoc's, which Python
 * uses) require: map entry messages named `<Field>Entry`, type names fully
 * qualified, and each file importing the files whose types it uses. As
 * `@grpc/reflection` serves them, the files are one per package, named after
 * it (`grpc_health_v1.proto`), not the proto files themselves. Field names
 * are the proto's own (`keepCase: true`) unless `loaderOptions` say
 * otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpcServer } from "../mod.ts";
 * import { HEALTH_PROTO } from "./health.ts";
 * import { addReflection } from "./reflection.ts";
 * const server = new GrpcServer();
 * addReflection(server, [new URL("../../tests/fixtures/echo.proto", import.meta.url), HEALTH_PROTO]);
 * assert.ok(await server.listen() > 0); // grpcurl -plaintext localhost:PORT list
 * await server.shutdown();
 * ```
 */
export function addReflection(
  server: GrpcServer,
  protoFiles: (string | URL)[],
  loaderOptions: LoaderOptions = {},
): void {
  const paths = protoFiles.map((file) => file instanceof URL ? fileURLToPath(file) : file);
  const definition = loadSync(paths, { keepCase: true, ...loaderOptions });
  const reflection = new ReflectionService(withProtocDescriptors(definition));
  // @grpc/reflection writes each response as its request arrives, whether or
  // not the client reads them: served raw, a client that never reads grew the
  // server by gigabytes. Its services are served by lib instead, each request
  // answered as lib takes the response, within lib's bound on unsent bytes.
  reflection.addToServer({
    addService: (service: ServiceDefinition, implementation: Record<string, unknown>) => {
      const answer = implementation.ServerReflectionInfo as RawReflectionHandler;
      const name = Object.values(service)[0].path.split("/")[1];
      server.add(
        { name, methods: { ServerReflectionInfo: bidiStreaming() }, definition: service },
        {
          ServerReflectionInfo: (requests) => answered(requests, answer),
        },
      );
    },
  } as unknown as Pick<Server, "addService">);
}

/** @grpc/reflection's handler: it answers each `data` of `stream` with a `write`. */
type RawReflectionHandler = (
  stream: EventEmitter & { write(m: unknown): boolean; end(): void },
) => void;

/** The responses of `handler` to `requests`, one request at a time. */
async function* answered(
  requests: AsyncIterable<unknown>,
  handler: RawReflectionHandler,
): AsyncGenerator<unknown> {
  const responses: unknown[] = [];
  const stream = Object.assign(new EventEmitter(), {
    write: (response: unknown) => responses.push(response) > 0,
    end: () => {},
  });
  handler(stream);
  for await (const request of requests) {
    stream.emit("data", request);
    yield* responses.splice(0);
  }
}

type Described = { fileDescriptorProtos?: Buffer[] };

/** `definition` with every file descriptor replaced by {@linkcode protocDescriptors}' version. */
function withProtocDescriptors(definition: PackageDefinition): PackageDefinition {
  const entries = Object.entries(definition) as [string, Described][];
  // Every type and service of one load shares the same files; rewrite each file once.
  const files = [
    ...new Set(entries.flatMap(([, { fileDescriptorProtos }]) => fileDescriptorProtos ?? [])),
  ];
  const rewritten = new Map(
    protocDescriptors(files).map((bytes, i) => [files[i], Buffer.from(bytes)]),
  );
  return Object.fromEntries(entries.map(([name, described]) => [
    name,
    described.fileDescriptorProtos
      ? {
        ...described,
        fileDescriptorProtos: described.fileDescriptorProtos.map((file) => rewritten.get(file)!),
      }
      : described,
  ])) as PackageDefinition;
}
