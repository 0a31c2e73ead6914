import { PhysicalCpu } from "../../src/host/cpu.js";
import { Domain, type SchedParams } from "../../src/host/domain.js";
import type { Scheduler } from "../../src/host/scheduler.js";
import type { NetPathCosts } from "../../src/net/netback.js";
import { Engine, MS, US } from "../../src/sim/engine.js";

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

/** A network path for these tests: the IDD's 10 µs receive (4 µs of it the driver's), 12 µs transmit. */
export const testCosts: NetPathCosts = {
  iddRx: 10 * US,
  iddRxDriver: 4 * US,
  iddTx: 12 * US,
  iddBatch: 0,
  guestRx: 1 * US,
  guestTx: 1 * US,
  nicRxRing: 256,
  netfrontRing: 256,
  linkBitsPerSecond: 1e9,
  linkPropagation: 25 * US,
};
