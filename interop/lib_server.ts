/**
 * `grpc.testing.TestService` on lib/: the server the interop clients run
 * against. Every method but `UnimplementedCall`, with the interop server
 * features: Echo Metadata, Echo Status, `interval_us`, and the client's
 * deadline and cancellation ending the handler.
 *
 * As a program it serves until killed, printing `listening on HOST:PORT`:
 *
 * ```console
 * $ deno run --allow-net --allow-read=/usr/share/grpc-proto --allow-sys=uid --allow-env=GRPC_* interop/lib_server.ts --port 50052
 * listening on localhost:50052
 * ```
 *
 * @module
 */
import {
  type CallContext,
  GrpcError,
  GrpcServer,
  type GrpcServerOptions,
  type ListenOptions,
  type ServiceImplementation,
  Status,
} from "../lib/mod.ts";
import { addressFlags, hostPort, parseFlags, parsePort, UsageError } from "../cli/flags.ts";
import {
  ECHO_INITIAL,
  ECHO_TRAILING,
  type EchoStatus,
  type implementedMethods,
  interopServices,
  type Payload,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
} from "./test_service.ts";

/** Echo Metadata: the echo keys of the request go back in the headers and the trailers. */
function echoMetadata(context: CallContext): void {
  const initial = context.metadata.get(ECHO_INITIAL);
  if (initial.length > 0) context.sendHeader({ [ECHO_INITIAL]: initial });
  for (const value of context.metadata.get(ECHO_TRAILING)) {
    context.trailer.add(ECHO_TRAILING, value);
  }
}

/** Echo Status: a request's `response_status`, if not OK, ends the call with that status. */
function echoStatus(request: { response_status?: EchoStatus | null }): void {
  const status = request.response_status;
  if (status && status.code !== Status.OK) {
    throw new GrpcError(status.code as Status, status.message);
  }
}

/** A payload of `size` zeros, of the only type the interop protos define. */
function payload(type: string | undefined, size: number): Payload {
  if (type !== undefined && type !== "COMPRESSABLE") {
    throw new GrpcError(Status.INVALID_ARGUMENT, `response_type ${type} is not supported`);
  }
  return { type: "COMPRESSABLE", body: new Uint8Array(size) };
}

/** Waits `microseconds`; rejects with the call's reason if it ends first. */
function pause(microseconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (microseconds <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, microseconds / 1000);
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** The responses a streaming request asks for, each after its `interval_us`. */
async function* responsesTo(
  request: StreamingOutputCallRequest,
  signal: AbortSignal,
): AsyncGenerator<StreamingOutputCallResponse> {
  for (const { size, interval_us } of request.response_parameters ?? []) {
    await pause(interval_us ?? 0, signal);
    yield { payload: payload(request.response_type, size) };
  }
}

/** Nanoseconds since the epoch, as text: a payload that differs on every call. */
function timestamp(): Uint8Array {
  const nanoseconds = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return new TextEncoder().encode(String(nanoseconds));
}

/** The handlers of `grpc.testing.TestService`. */
export const testService: ServiceImplementation<typeof implementedMethods> = {
  EmptyCall: () => ({}),

  UnaryCall(request, context) {
    echoMetadata(context);
    echoStatus(request);
    return { payload: payload(request.response_type, request.response_size ?? 0) };
  },

  CacheableUnaryCall(_request, context) {
    context.sendHeader({ "cache-control": "max-age=60, public" });
    return { payload: { type: "COMPRESSABLE", body: timestamp() } };
  },

  async *StreamingOutputCall(request, context) {
    echoMetadata(context);
    echoStatus(request);
    yield* responsesTo(request, context.signal);
  },

  async StreamingInputCall(requests) {
    let size = 0;
    for await (const request of requests) size += request.payload?.body.length ?? 0;
    return { aggregated_payload_size: size };
  },

  async *FullDuplexCall(requests, context) {
    echoMetadata(context);
    for await (const request of requests) {
      echoStatus(request);
      yield* responsesTo(request, context.signal);
    }
  },

  async *HalfDuplexCall(requests, context) {
    echoMetadata(context);
    for (const request of await Array.fromAsync(requests)) {
      echoStatus(request);
      yield* responsesTo(request, context.signal);
    }
  },
};

/** A running lib/ TestService server. */
export interface ServedTestService {
  server: GrpcServer;
  port: number;
}

/** Starts a lib/ server for `grpc.testing.TestService`; `port` 0 (the default) picks a free one. */
export async function serveTestService(
  options: GrpcServerOptions & Pick<ListenOptions, "host" | "port"> = {},
): Promise<ServedTestService> {
  const { host, port, ...serverOptions } = options;
  const server = new GrpcServer(serverOptions).add(interopServices().testServer, testService);
  return { server, port: await server.listen({ host, port }) };
}

const USAGE = `Usage: lib_server.ts [--host HOST] [--port PORT]

Serves grpc.testing.TestService on lib/ until killed; prints "listening on HOST:PORT"
once ready. --port 0 picks a free port (default: 50051).`;

if (import.meta.main) {
  try {
    const { values } = parseFlags(Deno.args, addressFlags());
    if (values.help) {
      console.log(USAGE);
    } else {
      const { port } = await serveTestService({ host: values.host, port: parsePort(values.port) });
      console.log(`listening on ${hostPort(values.host, port)}`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}
