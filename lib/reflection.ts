import { ReflectionService } from "@grpc/reflection";
import { fileURLToPath } from "node:url";
import { loadSync, type Options as LoaderOptions } from "@grpc/proto-loader";
import type { GrpcServer } from "./server.ts";

/**
 * Serves gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) on
 * `server`, describing every service in `protoFiles`, so that grpcurl,
 * grpcui, Postman or Evans can list and call them without the proto files.
 *
 * @example
 * ```ts ignore
 * addReflection(server, [new URL("./sum.proto", import.meta.url), HEALTH_PROTO]);
 * ```
 */
export function addReflection(
  server: GrpcServer,
  protoFiles: (string | URL)[],
  loaderOptions: LoaderOptions = {},
): void {
  const paths = protoFiles.map((file) => file instanceof URL ? fileURLToPath(file) : file);
  new ReflectionService(loadSync(paths, loaderOptions)).addToServer(server.raw);
}
