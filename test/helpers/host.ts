import { PhysicalCpu } from "../../src/host/cpu.js";
import { Domain, type SchedParams } from "../../src/host/domain.js";
import type { Scheduler } from "../../src/host/scheduler.js";
import { Engine, MS } from "../../src/sim/engine.js";

/** A one-CPU host with the given domains, for scheduler tests. */
export function oneCpuHost(scheduler: Scheduler, params: Array<Partial<SchedParams> & { cpuBound?: boolean }>) {
  const engine = new Engine();
  const cpu = new PhysicalCpu(0, engine, scheduler);
  const domains = params.map((p, i) => {
    const d = new Domain(i, `Dom${i}`, 0, { slice: p.slice ?? 0, period: p.period ?? 10 * MS, extratime: p.extratime ?? false }, params.length);
    d.cpuBound = p.cpuBound ?? false;
    return d;
  });
  for (const d of domains) cpu.add(d);
  cpu.start();
  return { engine, cpu, domains };
}

export function cpuShare(d: Domain, now: number): number {
  return d.timeInAt("running", now) / now;
}
