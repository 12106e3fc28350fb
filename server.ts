/**
 * The running-sum server: serves `sum.SumService`, health checking and
 * reflection until SIGINT or SIGTERM, then lets open calls finish within a
 * grace period; from a worker process a core, under this one, unless told
 * otherwise (docs/workers.md).
 *
 * A supervisor keeps for its whole life the memory of every module it loads,
 * so this one loads the serving half (gRPC, the stores) only in the process
 * that serves.
 *
 * @module
 */
import { parsedOrStatus } from "./cli/flags.ts";
import { createLogger } from "./cli/log.ts";
import { serverConfig, serverUsage } from "./sum_cli/server_config.ts";
import { denoVersionWarning } from "./cli/deno_version.ts";
import { versionText } from "./cli/invocation.ts";
import { refuseToStart, servingProblem } from "./sum_cli/serving_setup.ts";
import { superviseWorkers, workerNumber, workerPlan } from "./sum_cli/workers.ts";

async function main(args: string[]): Promise<number> {
  if (args.includes("--version")) {
    console.log(versionText("server"));
    return 0;
  }
  const warning = denoVersionWarning(Deno.version.deno);
  if (warning) console.error(warning);
  const config = parsedOrStatus(
    () => serverConfig(args, (name) => Deno.env.get(name)),
    serverUsage(),
  );
  if (typeof config === "number") return config;
  const worker = workerNumber();
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    fields: worker === undefined ? undefined : { worker },
  });
  const plan = worker === undefined ? workerPlan(config) : { workers: 1 };
  if (plan.workers > 1) {
    // What would stop every worker is found here first, and told in one line.
    const problem = await servingProblem(config, args);
    if (problem !== undefined) return refuseToStart(problem);
    return await superviseWorkers(plan.workers, { config, args, log, script: import.meta.url });
  }
  const { serveProcess } = await import("./sum_cli/serving.ts");
  return await serveProcess(config, args, { log, worker, notice: plan.notice });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
