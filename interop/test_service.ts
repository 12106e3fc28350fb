/**
 * The gRPC interop services (`grpc.testing`), loaded from Debian's grpc-proto
 * package at run time, with the types of the messages the interop cases use.
 *
 * @module
 */
import {
  bidiStreaming,
  clientStreaming,
  type LoadedService,
  loadService,
  serverStreaming,
  unary,
} from "../lib/mod.ts";

/** Where Debian's `grpc-proto` package installs the gRPC protos. */
export const GRPC_PROTO_ROOT = "/usr/share/grpc-proto";

/** `grpc/testing/test.proto`, which declares the interop services. */
export const TEST_PROTO = `${GRPC_PROTO_ROOT}/grpc/testing/test.proto`;

/** Request metadata a TestService server echoes back in its response headers. */
export const ECHO_INITIAL = "x-grpc-test-echo-initial";

/** Request metadata a TestService server echoes back in its response trailers. */
export const ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";

/** `grpc.testing.Empty`. */
export type Empty = Record<never, never>;

/** A message field absent from a received message is `null` (proto-loader `defaults`). */
type Field<T> = T | null | undefined;

/** `grpc.testing.Payload`: zeros, in the interop cases. */
export interface Payload {
  type?: string;
  body: Uint8Array;
}

/** `grpc.testing.EchoStatus`: the status a request asks the server to end the call with. */
export interface EchoStatus {
  code: number;
  message: string;
}

/** `grpc.testing.ResponseParameters`: one response a streaming request asks for. */
export interface ResponseParameters {
  size: number;
  interval_us?: number;
}

/** `grpc.testing.SimpleRequest`, the fields the interop cases use. */
export interface SimpleRequest {
  response_type?: string;
  response_size?: number;
  payload?: Field<Payload>;
  response_status?: Field<EchoStatus>;
}

/** `grpc.testing.SimpleResponse`. */
export interface SimpleResponse {
  payload: Field<Payload>;
}

/** `grpc.testing.StreamingInputCallRequest`. */
export interface StreamingInputCallRequest {
  payload?: Field<Payload>;
}

/** `grpc.testing.StreamingInputCallResponse`. */
export interface StreamingInputCallResponse {
  aggregated_payload_size: number;
}

/** `grpc.testing.StreamingOutputCallRequest`, the fields the interop cases use. */
export interface StreamingOutputCallRequest {
  response_type?: string;
  response_parameters?: ResponseParameters[];
  payload?: Field<Payload>;
  response_status?: Field<EchoStatus>;
}

/** `grpc.testing.StreamingOutputCallResponse`. */
export interface StreamingOutputCallResponse {
  payload: Field<Payload>;
}

/** The methods of `grpc.testing.TestService` a server implements: all but `UnimplementedCall`. */
export const implementedMethods = {
  EmptyCall: unary<Empty, Empty>(),
  UnaryCall: unary<SimpleRequest, SimpleResponse>(),
  CacheableUnaryCall: unary<SimpleRequest, SimpleResponse>(),
  StreamingOutputCall: serverStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>(),
  StreamingInputCall: clientStreaming<StreamingInputCallRequest, StreamingInputCallResponse>(),
  FullDuplexCall: bidiStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>(),
  HalfDuplexCall: bidiStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>(),
};

const clientMethods = { ...implementedMethods, UnimplementedCall: unary<Empty, Empty>() };

const unimplementedServiceMethods = { UnimplementedCall: unary<Empty, Empty>() };

/** The interop services, as servers and clients use them. */
export interface InteropServices {
  /** `grpc.testing.TestService` without `UnimplementedCall`: what a server implements. */
  testServer: LoadedService<typeof implementedMethods>;
  /** `grpc.testing.TestService` with every method: what a client calls. */
  testClient: LoadedService<typeof clientMethods>;
  /** `grpc.testing.UnimplementedService`: no server implements it. */
  unimplemented: LoadedService<typeof unimplementedServiceMethods>;
}

let loaded: InteropServices | undefined;

/**
 * Loads the interop services from {@linkcode TEST_PROTO} on first use (so that
 * importing this module works without the protos installed).
 */
export function interopServices(): InteropServices {
  if (loaded) return loaded;
  // proto-loader finds imports in includeDirs with node:fs.accessSync, which on
  // Deno calls Deno.uid(); without the permission every import is "not found".
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !== "granted") {
    throw new Error(
      `loading ${TEST_PROTO} needs --allow-sys=uid: proto-loader resolves its imports ` +
        "with node:fs.accessSync, which on Deno calls Deno.uid()",
    );
  }
  const options = { includeDirs: [GRPC_PROTO_ROOT] };
  const service = (name: string) => `grpc.testing.${name}`;
  loaded = {
    testServer: loadService(
      TEST_PROTO,
      { name: service("TestService"), methods: implementedMethods },
      options,
    ),
    testClient: loadService(
      TEST_PROTO,
      { name: service("TestService"), methods: clientMethods },
      options,
    ),
    unimplemented: loadService(
      TEST_PROTO,
      { name: service("UnimplementedService"), methods: unimplementedServiceMethods },
      options,
    ),
  };
  return loaded;
}
