#!/usr/bin/env node
// Derives the p4-2.8 profile's costs from Table 1's SEDF column (the calibration column),
// as docs/parameters.md describes: Domain-0's 22.8 % and the two servers' CPU, divided by
// the packets the model's own SEDF column handles per reply, iterated until they agree.
// Usage: npm run derive-profile [-- runs]
import { loadScenarioFile } from "../dist/scenario/load.js";
import { columnsOf } from "../dist/model/runner.js";
import { runJobs } from "../dist/model/replication.js";
import { PROFILES } from "../dist/profiles/profiles.js";

const RUNS = Number(process.argv[2] ?? 10);
// Table 1, SEDF column, and §3's SYSTEM-1 weight (the paper's numbers; nothing else is read from it).
const PAPER = {
  iddCpu: 0.096 + 0.132,
  servers: [
    { name: "Domain-1", replies: 348.06, cpu: 0.196, kb: 10 },
    { name: "Domain-2", replies: 93.12, cpu: 0.145, kb: 100 },
  ],
  weight: 1.1,
};

const { scenario } = loadScenarioFile("scenarios/sedf-dc.yaml");
const column = columnsOf(scenario).find((c) => c.name === "SEDF").scenario;
const base = PROFILES["p4-2.8"];
/** Per reply of each server, averaged over the runs: packets in, out, and dropped in netback after the driver's work. */
async function perReply(c) {
  // The SEDF column with these costs in place of the profile's, as a study's `host:` would set them.
  const host = { iddRx: c.rx, iddTx: Math.round(c.rx * PAPER.weight), web: { requestBase: c.base, requestPerKB: c.perKB } };
  const jobs = Array.from({ length: RUNS }, (_, run) => ({ scenario: { ...column, host }, run, seed: scenario.seed }));
  const results = await runJobs(jobs, 2, () => {}, () => new Promise((resolve) => setImmediate(resolve)));
  return PAPER.servers.map(({ name }) => {
    const mean = (key) => results.reduce((a, r) => a + r.metrics.find((m) => m.key === `${name}.${key}`).value, 0) / results.length;
    const replies = mean("replyRate");
    return { rx: mean("recv") / replies, tx: mean("sent") / replies, dropped: mean("netbackDrops") / replies, replies };
  });
}

const round = (x, step) => Math.round(x / step) * step;
let costs = { rx: base.iddRx.value, base: base.web.requestBase.value, perKB: base.web.requestPerKB.value };
for (let iteration = 1; iteration <= 8; iteration++) {
  const counts = await perReply(costs);
  // Domain-0's time: every packet delivered or sent, plus the driver's part of those netback dropped.
  const rxEquivalent = PAPER.servers.reduce((a, s, i) => a + s.replies * (counts[i].rx + PAPER.weight * counts[i].tx + base.iddRxDriverShare.value * counts[i].dropped), 0);
  const rx = round((PAPER.iddCpu * 1e9) / rxEquivalent, 10);
  // Each server's CPU per reply, less its packets, is base + perKB · size: two equations.
  const [small, large] = PAPER.servers.map((s, i) => ({ kb: s.kb, ns: (s.cpu * 1e9) / s.replies - counts[i].rx * base.guestRx.value - counts[i].tx * base.guestTx.value }));
  const perKB = round((large.ns - small.ns) / (large.kb - small.kb), 10);
  const requestBase = round(small.ns - perKB * small.kb, 1000);
  console.log(
    `iteration ${iteration}: per reply ${counts.map((c) => `${c.rx.toFixed(2)} in + ${c.tx.toFixed(2)} out + ${c.dropped.toFixed(2)} dropped`).join("; ")}` +
      ` (model ${counts.map((c) => c.replies.toFixed(1)).join(" / ")} replies/s) -> iddRx ${rx} ns, requestBase ${requestBase} ns, requestPerKB ${perKB} ns`,
  );
  const next = { rx, base: requestBase, perKB };
  // Stable to within one rounding step: the runs' noise moves the last digit back and forth.
  const stable = Math.abs(next.rx - costs.rx) <= 10 && Math.abs(next.base - costs.base) <= 1000 && Math.abs(next.perKB - costs.perKB) <= 10;
  costs = next;
  if (stable) break;
}
console.log(`p4-2.8: iddRx ${costs.rx} ns, iddTx ${Math.round(costs.rx * PAPER.weight)} ns, requestBase ${costs.base} ns, requestPerKB ${costs.perKB} ns`);
