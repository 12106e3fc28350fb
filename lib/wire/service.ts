/**
 * Services as TypeScript knows them: each method's kind with its request and
 * response types, checked against the proto file at load time.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadSync } from "@grpc/proto-loader";
import type { LoaderOptions, ServiceDefinition } from "../grpc_js/grpc_types.ts";

/** Requests of a streaming call: any iterable, sync or async. */
export type Source<T> = AsyncIterable<T> | Iterable<T>;

/** The four kinds of gRPC call, named for which side streams. */
export type MethodKind = "unary" | "clientStreaming" | "serverStreaming" | "bidiStreaming";

/**
 * A method's kind with its request and response types. The types exist only
 * for the compiler; at run time a method is its kind.
 */
export interface Method<K extends MethodKind, Req, Res> {
  /** Which side streams. */
  readonly kind: K;
  /** Never set: carries the request and response types. */
  readonly types?: { request: Req; response: Res };
}

/** Any method of any kind. */
// deno-lint-ignore no-explicit-any
export type AnyMethod = Method<MethodKind, any, any>;

/** A service's methods, by name. */
export type Methods = Record<string, AnyMethod>;

/** The request type of a method. */
export type RequestOf<M> = M extends Method<MethodKind, infer Req, unknown> ? Req : never;
/** The response type of a method. */
export type ResponseOf<M> = M extends Method<MethodKind, unknown, infer Res> ? Res : never;

/**
 * Declares a unary method: one request, one response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unary } from "./service.ts";
 * const GetUser = unary<{ id: number }, { name: string }>();
 * assert.equal(GetUser.kind, "unary");
 * ```
 */
export function unary<Req, Res>(): Method<"unary", Req, Res> {
  return { kind: "unary" };
}

/**
 * Declares a client-streaming method: many requests, one response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientStreaming } from "./service.ts";
 * const UploadChunks = clientStreaming<{ data: Uint8Array }, { bytes: number }>();
 * assert.equal(UploadChunks.kind, "clientStreaming");
 * ```
 */
export function clientStreaming<Req, Res>(): Method<"clientStreaming", Req, Res> {
  return { kind: "clientStreaming" };
}

/**
 * Declares a server-streaming method: one request, many responses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverStreaming } from "./service.ts";
 * const ListUsers = serverStreaming<{ pageSize: number }, { name: string }>();
 * assert.equal(ListUsers.kind, "serverStreaming");
 * ```
 */
export function serverStreaming<Req, Res>(): Method<"serverStreaming", Req, Res> {
  return { kind: "serverStreaming" };
}

/**
 * Declares a bidirectional-streaming method: many requests, many responses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bidiStreaming } from "./service.ts";
 * const Chat = bidiStreaming<{ text: string }, { text: string }>();
 * assert.equal(Chat.kind, "bidiStreaming");
 * ```
 */
export function bidiStreaming<Req, Res>(): Method<"bidiStreaming", Req, Res> {
  return { kind: "bidiStreaming" };
}

/** A service as TypeScript knows it: its full name and its typed methods. */
export interface ServiceSpec<M extends Methods> {
  /** The fully qualified name, as in the proto: `package.Service`. */
  readonly name: string;
  /** The methods, by their names in the proto. */
  readonly methods: M;
}

/** A service spec checked against a proto file, ready for clients and servers. */
export interface LoadedService<M extends Methods> extends ServiceSpec<M> {
  /** The grpc-js definition: paths, serializers and kinds of every method. */
  readonly definition: ServiceDefinition;
}

/** proto-loader options used unless overridden: field names as in the proto, defaults filled in. */
const defaultLoaderOptions: LoaderOptions = {
  keepCase: true,
  defaults: true,
  oneofs: true,
  longs: String,
  enums: String,
};

function kindOf(definition: { requestStream: boolean; responseStream: boolean }): MethodKind {
  if (definition.requestStream) {
    return definition.responseStream ? "bidiStreaming" : "clientStreaming";
  }
  return definition.responseStream ? "serverStreaming" : "unary";
}

/**
 * Loads a service from a proto file and checks that it has every method of
 * `spec`, of the declared kind. Throws an `Error` that names each mismatch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bidiStreaming, loadService, unary } from "./service.ts";
 * const proto = new URL("../../tests/fixtures/echo.proto", import.meta.url);
 * const Echo = loadService(proto, {
 *   name: "echo.Echo",
 *   methods: { Chat: bidiStreaming<{ text: string }, { text: string }>() },
 * });
 * assert.equal(Echo.definition.Chat.path, "/echo.Echo/Chat");
 * assert.throws(
 *   () => loadService(proto, { name: "echo.Echo", methods: { Chat: unary() } }),
 *   /Chat is bidiStreaming in the proto, declared unary/,
 * );
 * ```
 */
export function loadService<M extends Methods>(
  protoFile: string | URL,
  spec: ServiceSpec<M>,
  loaderOptions: LoaderOptions = {},
): LoadedService<M> {
  const path = protoFile instanceof URL ? fileURLToPath(protoFile) : protoFile;
  const pkg = loadSync(path, { ...defaultLoaderOptions, ...loaderOptions });
  const found = pkg[spec.name];
  if (!found || "format" in found) {
    const services = Object.keys(pkg).filter((name) => !("format" in pkg[name]));
    throw new Error(
      `${path} has no service ${spec.name} (it has: ${services.join(", ") || "none"})`,
    );
  }
  const definition = found as unknown as ServiceDefinition;
  const problems: string[] = [];
  for (const [name, method] of Object.entries(spec.methods)) {
    const actual = definition[name];
    if (!actual) problems.push(`${name} is not in the proto`);
    else if (kindOf(actual) !== method.kind) {
      problems.push(`${name} is ${kindOf(actual)} in the proto, declared ${method.kind}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${spec.name} in ${path} does not match its spec: ${problems.join("; ")}`);
  }
  return { ...spec, definition };
}
