/**
 * The grpc-js and proto-loader types lib/'s API passes through, declared here
 * as far as the API uses them, so that its documentation is whole: grpc-js's
 * own objects fit them (a grpc-js `Channel` is a {@linkcode Channel}, its
 * `ServerCredentials` are {@linkcode ServerCredentials}, and so on).
 *
 * @module
 */
import type { Buffer } from "node:buffer";

/**
 * A channel: the connections to one target, shared by every client made on
 * it. {@linkcode createChannel} opens one; close it when done.
 */
export interface Channel {
  /** The target, as given to {@linkcode createChannel}. */
  getTarget(): string;
  /** Closes the channel and its connections. */
  close(): void;
}

/**
 * How a channel secures its connections: TLS from
 * {@linkcode channelCredentials}, or any grpc-js `ChannelCredentials`.
 * Plaintext when none are given.
 */
export interface ChannelCredentials {
  /** Whether they secure connections with TLS (grpc-js's own method). */
  _isSecure(): boolean;
}

/**
 * How a server secures its connections: TLS from
 * {@linkcode serverCredentials}, or any grpc-js `ServerCredentials` (such as
 * those of `experimental.createServerCredentialsWithInterceptors`).
 * Plaintext when none are given.
 */
export interface ServerCredentials {
  /** Whether they secure connections with TLS (grpc-js's own method). */
  _isSecure(): boolean;
  /** The interceptors every call goes through (grpc-js's own method). */
  _getInterceptors(): unknown[];
}

/**
 * grpc-js channel options, by name: `grpc.keepalive_time_ms`,
 * `grpc.max_receive_message_length`, `grpc.enable_http_proxy`, … (grpc-js's
 * `ChannelOptions`).
 */
export type ChannelOptions = Record<string, unknown>;

/**
 * grpc-js server options, by name: the channel options that apply to a
 * server (`grpc.max_concurrent_streams`, `grpc.keepalive_time_ms`, …) and
 * `interceptors` (grpc-js's `ServerOptions`).
 */
export type ServerOptions = Record<string, unknown>;

/** How one method goes on the wire (grpc-js's `MethodDefinition`). */
export interface MethodDefinition {
  /** `/package.Service/Method`. */
  path: string;
  /** Whether the client streams its requests. */
  requestStream: boolean;
  /** Whether the server streams its responses. */
  responseStream: boolean;
  /** Encodes a request. */
  requestSerialize(value: unknown): Buffer;
  /** Decodes a request. */
  requestDeserialize(bytes: Buffer): unknown;
  /** Encodes a response. */
  responseSerialize(value: unknown): Buffer;
  /** Decodes a response. */
  responseDeserialize(bytes: Buffer): unknown;
  /** The method's name in the proto, where grpc-js renamed it. */
  originalName?: string;
}

/** A service's methods as grpc-js serves and calls them, by name (grpc-js's `ServiceDefinition`). */
export type ServiceDefinition = Record<string, MethodDefinition>;

/**
 * The grpc-js server under a {@linkcode GrpcServer}, for services written
 * for grpc-js: pass it where such a service calls `addService`.
 */
export interface RawServer {
  /**
   * Serves a service written for grpc-js: its definition, and its handlers
   * in grpc-js's callback style, by method name.
   */
  addService(
    service: ServiceDefinition,
    implementation: Record<string, (...args: never[]) => unknown>,
  ): void;
}

/**
 * How proto-loader reads a proto file (its `Options`). {@linkcode loadService}
 * sets `keepCase`, `defaults`, `oneofs`, `longs: String` and `enums: String`
 * unless these say otherwise.
 */
export interface LoaderOptions {
  /** Field names as in the proto, not in camelCase. */
  keepCase?: boolean;
  /** 64-bit integers as `String` or `Number`; by default, `Long` objects. */
  longs?: StringConstructor | NumberConstructor;
  /** Enum values as their names (`String`); by default, their numbers. */
  enums?: StringConstructor;
  /** Bytes as `String` (base64) or `Array`; by default, a `Buffer`. */
  bytes?: StringConstructor | ArrayConstructor;
  /** Fills in the default value of every field not set. */
  defaults?: boolean;
  /** Sets missing repeated fields to empty arrays. */
  arrays?: boolean;
  /** Sets missing map and message fields to empty objects. */
  objects?: boolean;
  /** Adds, for each oneof, a field naming the member that is set. */
  oneofs?: boolean;
  /** Represents `Infinity` and `NaN` in floats as strings, and more, as JSON does. */
  json?: boolean;
  /** Where to look for the files a proto file imports. */
  includeDirs?: string[];
}
