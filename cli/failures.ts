import { type GrpcError, Status } from "../lib/mod.ts";

/** Whether a call failed because no connection to the server could be made. */
export function isUnreachable(error: GrpcError): boolean {
  return error.code === Status.UNAVAILABLE && error.details.startsWith("No connection");
}

/**
 * One line on a failed call. An unreachable server is named with the
 * system's reason rather than grpc-js's long status text.
 *
 * @example
 * ```ts ignore
 * describeFailure(error, "localhost:50051");
 * // "cannot reach the server at localhost:50051: connect ECONNREFUSED 127.0.0.1:50051"
 * ```
 */
export function describeFailure(error: GrpcError, target: string): string {
  if (!isUnreachable(error)) return error.message;
  const reason = error.details.match(/Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/);
  return `cannot reach the server at ${target}: ${reason?.[1] ?? error.details}`;
}

/**
 * The system's reason inside grpc-js's bind error ("address already in use"),
 * or its message.
 */
export function bindFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.match(/listen E[A-Z]+: ([^\]]+?)(?: \S+:\d+)?\]/)?.[1] ?? message;
}
