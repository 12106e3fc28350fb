/**
 * gRPC for Deno as async iterables, over grpc-js: typed clients and servers
 * for all four call kinds, with cancellation (`AbortSignal`), deadlines,
 * flow control and one error class carrying a status code.
 *
 * @example
 * ```ts ignore
 * import { bidiStreaming, createChannel, createClient, GrpcServer, loadService } from "./lib/mod.ts";
 *
 * const Echo = loadService(new URL("./echo.proto", import.meta.url), {
 *   name: "echo.Echo",
 *   methods: { Chat: bidiStreaming<{ text: string }, { text: string }>() },
 * });
 * const server = new GrpcServer().add(Echo, {
 *   async *Chat(requests) {
 *     for await (const request of requests) yield request;
 *   },
 * });
 * const port = await server.listen();
 * const channel = createChannel(`localhost:${port}`);
 * for await (const reply of createClient(Echo, channel).Chat([{ text: "hi" }])) {
 *   console.log(reply.text); // "hi"
 * }
 * channel.close();
 * await server.shutdown();
 * ```
 *
 * Health checking (`./health.ts`) and server reflection (`./reflection.ts`)
 * are separate modules, so that only servers that use them load their
 * packages.
 *
 * @module
 */
export * from "./client.ts";
export * from "./error.ts";
export * from "./handler.ts";
export * from "./inbox.ts";
export * from "./metadata.ts";
export * from "./pipelined.ts";
export * from "./server.ts";
export * from "./service.ts";
export * from "./status.ts";
export * from "./tls.ts";
export * from "./backoff.ts";
export * from "./replay.ts";
export * from "./resumable.ts";
export * from "./retry.ts";
export * from "./failover.ts";
