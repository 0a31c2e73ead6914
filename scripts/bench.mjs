#!/usr/bin/env node
// `npm run bench`: simulated events, wall time, events per second, simulated seconds per
// wall second and peak memory for every paper scenario and the calibration sweep, and,
// in the same run, the events per second of a bare event loop on the same engine (the
// practical ceiling on this machine). Each item runs in a fresh process, REPS times;
// medians are reported, as absolute times on a shared machine are noisy.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const REPS = Number(process.env.BENCH_REPS ?? 3);

if (process.argv[2] === "--item") {
  // Child: run one item and print its figures as JSON.
  const item = process.argv[3];
  const { Engine } = await import("../dist/sim/engine.js");
  // The heap policy the CLI runs with, so the figures are what a user gets.
  (await import("../dist/model/replication.js")).tuneHeap();
  const t0 = process.hrtime.bigint();
  let events = 0;
  let simulated = 0;
  if (item === "bare-loop") {
    const engine = new Engine();
    const n = 5_000_000;
    let k = 0;
    const tick = () => {
      if (++k < n) engine.after(1000, tick);
    };
    engine.at(0, tick);
    engine.run(Number.MAX_SAFE_INTEGER / 2);
    events = engine.eventsFired;
    simulated = n * 1e-6;
  } else if (item === "calibrate") {
    const { benchmarkScenario, PAPER_PLAN } = await import("../dist/model/calibrate.js");
    const { Simulation } = await import("../dist/model/simulation.js");
    const { PROFILES } = await import("../dist/profiles/profiles.js");
    const p = PROFILES["system-1"];
    const points = [...PAPER_PLAN.sizes.map((s) => [PAPER_PLAN.fixedRate, s]), ...PAPER_PLAN.rates.map((r) => [r, PAPER_PLAN.fixedSize])];
    for (const [rate, size] of points) {
      for (const dir of ["send", "recv"]) {
        events += new Simulation(benchmarkScenario(p, dir, rate, size, PAPER_PLAN.duration), 0, 1, p).execute().events;
        simulated += PAPER_PLAN.duration / 1e9;
      }
    }
  } else if (item.startsWith("rate:")) {
    // Cost against packet rate: the calibration's Receive benchmark (256 B packets), run
    // for 100 s so that start-up and compilation weigh little.
    const rate = Number(item.slice("rate:".length));
    const { benchmarkScenario } = await import("../dist/model/calibrate.js");
    const { Simulation } = await import("../dist/model/simulation.js");
    const { PROFILES } = await import("../dist/profiles/profiles.js");
    const p = PROFILES["system-1"];
    events = new Simulation(benchmarkScenario(p, "recv", rate, 256, 100e9), 0, 1, p).execute().events;
    simulated = 100;
  } else if (item.startsWith("memory:")) {
    // Memory against duration: one column of a paper scenario, run for a given time.
    const [, file, column, seconds] = item.split(":");
    const { loadScenarioFile } = await import("../dist/scenario/load.js");
    const { columnsOf } = await import("../dist/model/runner.js");
    const { Simulation } = await import("../dist/model/simulation.js");
    const { scenario } = loadScenarioFile(`scenarios/${file}`);
    const col = columnsOf({ ...scenario, duration: Number(seconds) * 1e9, window: undefined }).find((c) => c.name === column);
    events = new Simulation(col.scenario, 0, scenario.seed).execute().events;
    simulated = Number(seconds);
  } else {
    const { loadScenarioFile } = await import("../dist/scenario/load.js");
    const { columnsOf } = await import("../dist/model/runner.js");
    const { Simulation } = await import("../dist/model/simulation.js");
    const { scenario } = loadScenarioFile(`scenarios/${item}`);
    for (const col of columnsOf(scenario)) {
      events += new Simulation(col.scenario, 0, scenario.seed).execute().events;
      simulated += scenario.duration / 1e9;
    }
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // What the run still holds once its garbage is gone: the model's state (memory items only).
  let liveMB;
  if (globalThis.gc) {
    globalThis.gc();
    liveMB = process.memoryUsage().heapUsed / 1e6;
  }
  // process.resourceUsage().maxRSS is the peak resident set of this process, in KB.
  console.log(JSON.stringify({ events, wall, simulated, maxRssMB: process.resourceUsage().maxRSS / 1024, liveMB }));
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const measure = (item) => {
  // Memory items may collect garbage once at the end, to report the live heap; the collection
  // comes after the timing and the peak is already recorded.
  const flags = item.startsWith("memory:") ? ["--expose-gc"] : [];
  const reps = Array.from({ length: REPS }, () => JSON.parse(execFileSync(process.execPath, [...flags, process.argv[1], "--item", item], { encoding: "utf8" })));
  const live = reps.map((r) => r.liveMB).filter((x) => x !== undefined);
  return { events: reps[0].events, wall: median(reps.map((r) => r.wall)), simulated: reps[0].simulated, maxRssMB: median(reps.map((r) => r.maxRssMB)), liveMB: live.length ? median(live) : undefined };
};

const ceiling = measure("bare-loop");
const ceilingRate = ceiling.events / ceiling.wall;
const items = [...readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort(), "calibrate"];
console.log(`bare event loop: ${(ceilingRate / 1e6).toFixed(2)} M events/s (median of ${REPS})`);
console.log(["item (one run of each column)", "events", "wall s", "M events/s", "% of ceiling", "sim s / wall s", "peak RSS MB"].join("\t"));
for (const item of items) {
  const m = measure(item);
  const rate = m.events / m.wall;
  console.log([item, m.events, m.wall.toFixed(2), (rate / 1e6).toFixed(2), ((100 * rate) / ceilingRate).toFixed(0), (m.simulated / m.wall).toFixed(1), m.maxRssMB.toFixed(0)].join("\t"));
}

// Peak memory against simulated duration: Table 2's Baseline (web servers at their
// capacity: a steady state) and Table 1's SEDF column (overloaded by design: httperf's
// unanswered connections pile up until Linux gives up on their SYNs, 189 s on).
for (const [file, column] of [["shareguard.yaml", "Baseline"], ["sedf-dc.yaml", "SEDF"]]) {
  for (const seconds of [60, 600]) {
    const m = measure(`memory:${file}:${column}:${seconds}`);
    console.log([`${file} ${column}, ${seconds} s`, m.events, m.wall.toFixed(2), (m.events / m.wall / 1e6).toFixed(2), ((100 * m.events) / m.wall / ceilingRate).toFixed(0), (m.simulated / m.wall).toFixed(1), m.maxRssMB.toFixed(0), `live heap ${m.liveMB.toFixed(1)} MB`].join("\t"));
  }
}

// Cost against packet rate (the issue's "linear in packet rate"): the same benchmark at
// doubling rates. Linear means each doubling adds the same wall time per added packet.
let previous;
for (const rate of [2000, 4000, 8000, 16000]) {
  const m = measure(`rate:${rate}`);
  const packets = rate * m.simulated;
  const marginal = previous ? `${((1e6 * (m.wall - previous.wall)) / (packets - previous.packets)).toFixed(2)} µs per added packet` : "";
  console.log([`udp receive, ${rate} pkt/s, 100 s`, m.events, m.wall.toFixed(2), (m.events / m.wall / 1e6).toFixed(2), ((100 * m.events) / m.wall / ceilingRate).toFixed(0), (m.simulated / m.wall).toFixed(1), m.maxRssMB.toFixed(0), marginal].join("\t"));
  previous = { wall: m.wall, packets };
}

// The issue's headline target: the whole paper (every scenario with its default runs,
// in one `run` on one pool of workers, and calibration of both profiles) through the CLI,
// one worker per core. Once: it is long.
if (process.env.BENCH_PAPER !== "0") {
  const seconds = (from) => Number(process.hrtime.bigint() - from) / 1e9;
  /** Runs the CLI; returns its wall time in seconds. */
  const cli = (args) => {
    const t = process.hrtime.bigint();
    execFileSync(process.execPath, ["bin/xeniso", ...args, "--quiet", "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 28 });
    return seconds(t);
  };
  const t0 = process.hrtime.bigint();
  const parts = [`scenarios ${cli(["run", ...readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort().map((f) => `scenarios/${f}`)]).toFixed(1)} s`];
  for (const profile of ["system-1", "system-2"]) parts.push(`calibrate ${profile} ${cli(["calibrate", "--profile", profile]).toFixed(1)} s`);
  console.log(`whole paper (all scenarios with default runs + calibrate for both profiles, default --jobs): ${seconds(t0).toFixed(1)} s wall (${parts.join(", ")})`);
}
