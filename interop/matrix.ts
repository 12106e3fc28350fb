/**
 * The interop matrix: every interop client test case, run by a lib/ or a
 * grpcio client against a lib/ or a grpcio server.
 *
 * @module
 */
import { GrpcError } from "../lib/mod.ts";
import { CASE_NAMES, connect, libCases } from "./lib_cases.ts";
import { serveTestService } from "./lib_server.ts";
import { PythonProgram } from "./python.ts";

/** How one case went. */
export interface CaseResult {
  name: string;
  passed: boolean;
  /** Why it failed. */
  reason?: string;
}

/** One pairing of a client and a server. */
export interface Direction {
  /** `lib/ client → grpcio server`, … */
  name: string;
  /** Starts the server, runs every case with the client, stops the server. */
  run(): Promise<CaseResult[]>;
}

/** A running TestService server. */
type Server = AsyncDisposable & { target: string };

/** Runs every case with a client of `target`. */
type CaseRunner = (target: string) => Promise<CaseResult[]>;

/** The lib/ TestService, in this process. */
async function libServer(): Promise<Server> {
  const { server, port } = await serveTestService();
  return {
    target: `localhost:${port}`,
    [Symbol.asyncDispose]: () => server.shutdown({ graceMs: 0 }).then(() => {}),
  };
}

/** The grpcio TestService (`python/test_server.py`), as a subprocess. */
async function grpcioServer(): Promise<Server> {
  const program = new PythonProgram("python/test_server.py", ["--port", "0"]);
  try {
    const [, target] = await program.waitFor(/^listening on (\S+:\d+)$/m);
    return Object.assign(program, { target });
  } catch (error) {
    await program[Symbol.asyncDispose]();
    throw error;
  }
}

/** Why a case failed, in one line. */
function reasonOf(error: unknown): string {
  if (error instanceof GrpcError) return `a call failed with ${error.message}`;
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** The cases with lib/'s client, one after another over one channel. */
async function libClient(target: string): Promise<CaseResult[]> {
  using clients = connect(target);
  const results: CaseResult[] = [];
  for (const name of CASE_NAMES) {
    try {
      await libCases[name](clients);
      results.push({ name, passed: true });
    } catch (error) {
      results.push({ name, passed: false, reason: reasonOf(error) });
    }
  }
  return results;
}

/** The cases with grpcio's client (`python/test_client.py`), which prints a line per case. */
async function grpcioClient(target: string): Promise<CaseResult[]> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), target.split(":").at(-1)!];
  await using program = new PythonProgram("python/test_client.py", [
    "--server_host",
    host,
    "--server_port",
    port,
    "--test_case",
    CASE_NAMES.join(","),
  ]);
  const code = await program.exit();
  const reported = new Map<string, CaseResult>();
  for (const [, name, failure] of program.stdout.matchAll(/^(\w+) (?:passed|failed: (.*))$/gm)) {
    reported.set(name, { name, passed: failure === undefined, reason: failure });
  }
  const silence = `no result: the grpcio client exited ${code}: ${program.stderr.trim()}`;
  return CASE_NAMES.map((name) => reported.get(name) ?? { name, passed: false, reason: silence });
}

function direction(
  client: string,
  runCases: CaseRunner,
  server: string,
  start: () => Promise<Server>,
): Direction {
  return {
    name: `${client} client → ${server} server`,
    async run() {
      try {
        await using started = await start();
        return await runCases(started.target);
      } catch (error) {
        const which = `the ${server} server or the ${client} client`;
        const reason = `${which} could not start: ${reasonOf(error)}`;
        return CASE_NAMES.map((name) => ({ name, passed: false, reason }));
      }
    },
  };
}

/** Every pairing: lib/ against grpcio both ways, lib/ against itself, and grpcio against itself as a control. */
export const directions: readonly Direction[] = [
  direction("lib/", libClient, "grpcio", grpcioServer),
  direction("grpcio", grpcioClient, "lib/", libServer),
  direction("lib/", libClient, "lib/", libServer),
  direction("grpcio", grpcioClient, "grpcio", grpcioServer),
];
