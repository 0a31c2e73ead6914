import { parentPort } from "node:worker_threads";
import { runJob, type Job } from "./replication.js";

// A worker thread of `--jobs N`: runs the jobs it is sent, one at a time.
parentPort!.on("message", (job: Job) => parentPort!.postMessage(runJob(job)));
