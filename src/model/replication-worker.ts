import { parentPort } from "node:worker_threads";
import { PolicyError } from "./policy-module.js";
import { loadPoliciesOf, runJob, type Job } from "./replication.js";

// A worker thread of `--jobs N`: runs the jobs it is sent, one at a time. A policy
// module's failure is the user's, not ours: it goes back as a message, to be reported
// as the same PolicyError a run in the main thread would raise.
parentPort!.on("message", async (job: Job) => {
  try {
    await loadPoliciesOf(job.scenario);
    parentPort!.postMessage(runJob(job));
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    parentPort!.postMessage({ policyError: { key: e.key, message: e.message } });
  }
});
