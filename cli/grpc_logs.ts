import { logVerbosity, setLogVerbosity } from "@grpc/grpc-js";

/**
 * Silences grpc-js's own log lines, which repeat failures the programs report
 * themselves in one clear line, unless `GRPC_VERBOSITY` asks for them.
 */
export function quietGrpcLogs(): void {
  if (Deno.env.get("GRPC_VERBOSITY") === undefined) setLogVerbosity(logVerbosity.NONE);
}
