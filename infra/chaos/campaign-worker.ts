/**
 * One campaign worker process: receives simulation jobs over IPC, runs each with `runSimulation`
 * and sends the result back, one job at a time. Started by campaign.ts with the TypeScript loader;
 * exits when its parent disconnects.
 */
import { runSimulation, type SimOptions, type SimResult } from "./sim/run.ts";

export type WorkerJob = Omit<SimOptions, "onProgress">;
export type WorkerReply =
  { seed: number; ok: true; result: SimResult } | { seed: number; ok: false; error: string };

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on("message", (job: WorkerJob) => {
  runSimulation(job)
    .then((result) => {
      reply({ seed: job.seed, ok: true, result });
    })
    .catch((error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      reply({ seed: job.seed, ok: false, error: text });
    });
});

process.on("disconnect", () => {
  process.exit(0);
});
