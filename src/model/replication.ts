import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { HostProfile } from "../profiles/profiles.js";
import type { Scenario } from "../scenario/schema.js";
import { loadPolicy, PolicyError, type PolicyKey } from "./policy-module.js";
import type { ShareGuardDecision } from "../shareguard/shareguard.js";
import { Simulation, type Metric, type SeriesPoint } from "./simulation.js";

/**
 * A run allocates small short-lived objects (packets, tasks, events) at a high rate; a
 * young generation larger than V8's default lets most die before a scavenge, which
 * measured about 10 % faster in one process (node --max-semi-space-size=16).
 */
const YOUNG_GENERATION_MB = 48;

/**
 * How far V8 lets the old generation grow past what survived the last full collection
 * before it collects again (V8's --heap-growing-percent). A run's own state is small and
 * bounded, but an overloaded run promotes connections that die a few simulated seconds
 * later, and left to choose, V8 let that garbage reach about five times the live heap,
 * so peak memory grew with the run's length (docs/performance.md). At 1.5 times it stays
 * flat; the extra full collections cost no time we could measure on Table 2 or the
 * calibration sweep. The flag is process-wide, so it covers the worker threads too.
 */
const OLD_GENERATION_GROWTH_PERCENT = 50;

/** Sets the process's V8 heap policy for simulations; call once, before any run. */
export function tuneHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

/** One independent simulation: a column's scenario, a run index and the seed. */
export interface Job {
  scenario: Scenario;
  run: number;
  seed: number;
  seriesBin?: number;
  /** The host's costs, when not the profile the scenario names (calibration tests). */
  profile?: HostProfile;
}

export interface JobResult {
  metrics: Metric[];
  series: SeriesPoint[];
  decisions: ShareGuardDecision[];
}

/** Imports the policy modules a column's scenario uses, if any (once per thread). */
export async function loadPoliciesOf(scenario: Scenario): Promise<void> {
  if (scenario.shareguard?.policy !== undefined) await loadPolicy(scenario.shareguard.policy, "shareguard.policy");
  if (scenario.scheduler.debtPolicy !== undefined) await loadPolicy(scenario.scheduler.debtPolicy, "scheduler.debtPolicy");
  if (scenario.scheduler.sharePolicy !== undefined) await loadPolicy(scenario.scheduler.sharePolicy, "scheduler.sharePolicy");
}

/** Runs one job in this thread. Workers call this too, so both paths give the same numbers. */
export function runJob(job: Job): JobResult {
  const sim = new Simulation(job.scenario, job.run, job.seed, job.profile, { seriesBin: job.seriesBin });
  const { metrics } = sim.execute();
  return {
    metrics,
    series: job.seriesBin ? sim.series() : [],
    decisions: job.seriesBin ? (sim.shareguard?.decisions ?? []) : [],
  };
}

/**
 * Runs jobs on `workers` worker threads (or in this thread when 1) and returns their
 * results in job order; `onDone(i)` after job i finishes, in whatever order they finish.
 * Every run has its own random streams, so the results do not depend on how many
 * workers ran them or in which order they finished.
 */
export async function runJobs(jobs: Job[], workers: number, onDone: (i: number) => void, yieldBetween: () => Promise<void>): Promise<JobResult[]> {
  const results = new Array<JobResult>(jobs.length);
  const workerUrl = new URL("./replication-worker.js", import.meta.url);
  if (workers <= 1 || jobs.length <= 1 || !workerUrl.pathname.endsWith(".js") || !(await exists(workerUrl))) {
    for (let i = 0; i < jobs.length; i++) {
      await loadPoliciesOf(jobs[i].scenario);
      results[i] = runJob(jobs[i]);
      onDone(i);
      await yieldBetween();
    }
    return results;
  }
  let next = 0;
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => new Worker(workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= jobs.length) return resolve();
              const i = next++;
              w.once("message", (r: JobResult | { policyError: { key: PolicyKey; message: string } }) => {
                if ("policyError" in r) return reject(new PolicyError(r.policyError.key, r.policyError.message));
                results[i] = r;
                onDone(i);
                feed();
              });
              w.postMessage(jobs[i]);
            };
            w.once("error", reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

async function exists(url: URL): Promise<boolean> {
  const { access } = await import("node:fs/promises");
  return access(url).then(
    () => true,
    () => false,
  );
}
