import { logVerbosity, setLogger, setLogVerbosity } from "@grpc/grpc-js";

let lastError: string | undefined;

/**
 * Silences grpc-js's own log lines, which repeat failures the programs report
 * themselves in one clear line, unless `GRPC_VERBOSITY` asks for them. The
 * last error line is kept for {@linkcode lastGrpcError}: some failures (a
 * proxy that cannot be reached) are told only there.
 */
export function quietGrpcLogs(): void {
  if (Deno.env.get("GRPC_VERBOSITY") !== undefined) return;
  setLogVerbosity(logVerbosity.ERROR);
  setLogger({
    error: (...args: unknown[]) => {
      lastError = args.map(String).join(" ");
    },
  } as Console);
}

/** The last error grpc-js logged since {@linkcode quietGrpcLogs}, if any. */
export function lastGrpcError(): string | undefined {
  return lastError;
}
