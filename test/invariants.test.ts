import { resolve } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "../src/model/policy-module.js";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";
import { Domain } from "../src/host/domain.js";
import { NetBackend } from "../src/net/netback.js";
import { SedfDcScheduler } from "../src/host/schedulers/sedf-dc.js";
import { SedfScheduler } from "../src/host/schedulers/sedf.js";
import { MS } from "../src/sim/engine.js";
import { TX_QUEUE_LEN } from "../src/workloads/udp.js";

/** A random valid scenario: one or two net-IDDs and up to three guests with UDP, web (open or closed loop), disk or CPU loads, some behind a vif rate limit. */
const scenarioText = fc
  .record({
    cpus: fc.integer({ min: 1, max: 2 }),
    iddShare: fc.integer({ min: 10, max: 60 }),
    iddExtra: fc.boolean(),
    /** A second net-IDD, living on slack, serving the guests that name it. */
    secondIdd: fc.boolean(),
    /** On two CPUs, CPU 1 runs the other family's scheduler (SEDF beside credit). */
    mixed: fc.boolean(),
    otherType: fc.constantFrom(0, 1),
    /** Under credit on both of two CPUs, each CPU a pool of its own (scheduler.pools). */
    poolPerCpu: fc.boolean(),
    scheduler: fc.constantFrom("sedf", "sedf-dc", "credit", "credit-dc"),
    creditVersion: fc.constantFrom("later", "xen-3.0"),
    /** XenMon as the paper's (block requests uncounted) or counting them. */
    blockWeight: fc.constantFrom(0, 1.8),
    /** Domain-0's elevator for the disk workloads, and a guest's I/O priority under CFQ. */
    elevator: fc.constantFrom("noop", "cfq"),
    guests: fc.array(
      fc.record({
        share: fc.integer({ min: 0, max: 13 }),
        extra: fc.boolean(),
        onSecondIdd: fc.boolean(),
        /** A vif rate limit in Mb/s (netback's credit scheduler), or none. */
        vifMbps: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
        load: fc.oneof(
          fc.record({ type: fc.constant("udp"), direction: fc.constantFrom("send", "recv"), rate: fc.integer({ min: 100, max: 30_000 }) }),
          fc.record({ type: fc.constant("web"), rate: fc.integer({ min: 1, max: 300 }), kb: fc.constantFrom(1, 10, 100) }),
          fc.record({ type: fc.constant("closed"), clients: fc.integer({ min: 1, max: 40 }), thinkMs: fc.integer({ min: 0, max: 200 }), kb: fc.constantFrom(1, 10, 100) }),
          fc.record({ type: fc.constant("cpu") }),
          fc.record({ type: fc.constant("disk"), kb: fc.constantFrom(4, 44), random: fc.boolean(), depth: fc.integer({ min: 1, max: 40 }), ioPriority: fc.integer({ min: 0, max: 7 }) }),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((s) => {
    const credit = s.scheduler.startsWith("credit");
    const mixed = s.mixed && s.cpus === 2;
    const other = credit ? ["sedf", "sedf-dc"][s.otherType] : ["credit", "credit-dc"][s.otherType];
    const pools = credit && !mixed && s.cpus === 2 && s.poolPerCpu;
    const cpuTypes = (mixed ? `, cpuTypes: { 1: ${other} }` : "") + (pools ? ", pools: [[0], [1]]" : "");
    const version = credit || (mixed && other.startsWith("credit")) ? `, creditVersion: ${s.creditVersion}` : "";
    const lines = [`name: random`, `profile: system-2`, `cpus: ${s.cpus}`, `duration: 1s`, `scheduler: { type: ${s.scheduler}${cpuTypes}${version} }`, `xenmon: { blockWeight: ${s.blockWeight} }`, `host: { disk: { elevator: ${s.elevator} } }`, `domains:`];
    lines.push(`  - { name: Domain-0, idd: true, cpu: 0, share: ${s.iddShare}%, extratime: ${s.iddExtra} }`);
    if (s.secondIdd) lines.push(`  - { name: Domain-9, idd: true, cpu: ${s.cpus - 1}, share: 0%, extratime: true }`);
    s.guests.forEach((g, i) => {
      const l = g.load;
      const w =
        l.type === "udp"
          ? `{ type: udp, direction: ${l.direction}, rate: ${l.rate}, size: 256B }`
          : l.type === "web"
            ? `{ type: web, rate: ${l.rate}, fileSize: ${l.kb}KB }`
            : l.type === "closed"
              ? `{ type: web, clients: ${l.clients}, thinkTime: ${l.thinkMs}ms, fileSize: ${l.kb}KB }`
              : l.type === "disk"
                ? `{ type: disk, size: ${l.kb}KB, access: ${l.random ? "random" : "sequential"}, depth: ${l.depth}, ioPriority: ${l.ioPriority} }`
                : `{ type: cpu }`;
      // Under the credit scheduler on every CPU (one pool) the first guest is unpinned, so load balancing is exercised too.
      const cpu = i === 0 && credit && !mixed && !pools ? "any" : (i + 1) % s.cpus;
      const netIdd = s.secondIdd && g.onSecondIdd ? ", netIdd: Domain-9" : "";
      const vif = g.vifMbps === undefined ? "" : `, vif: { rate: ${g.vifMbps}Mb/s }`;
      lines.push(`  - { name: Guest-${i}, cpu: ${cpu}, share: ${g.share}%, extratime: ${g.extra}${netIdd}${vif}, workload: ${w} }`);
    });
    return lines.join("\n") + "\n";
  });

/** On every CPU busy + idle = elapsed; every domain's states add up to elapsed, in every XenMon interval too; XenMon hands out exactly each IDD's CPU to its own guests; the ground truth never exceeds it. */
export const cpuTimeAndChargeOut = fc.property(scenarioText, fc.integer({ min: 0, max: 5 }), (text, run) => {
  const sim = new Simulation(parseScenario(text), run, 1, undefined, { keepSamples: true });
  const { samples, metrics } = sim.execute();
  const now = sim.engine.now;
  const value = new Map(metrics.map((m) => [m.key, m.value]));
  // Each IDD's guests' parts of its CPU are its whole, or nothing when it served no one.
  for (const net of sim.nets) {
    const guests = [...net.ports.values()].map((p) => p.guest.name);
    const parts = guests.reduce((a, g) => a + value.get(`${g}.iddPart`)!, 0);
    const iddShares = guests.reduce((a, g) => a + value.get(`${g}.idd`)!, 0);
    if (iddShares > 0) expect(parts).toBeCloseTo(100, 9);
    else expect(parts).toBe(0);
  }
  if (sim.domains.every((d) => d.pinned)) {
    for (const cpu of sim.cpus) {
      const busy = sim.domains.filter((d) => d.cpu === cpu.index).reduce((a, d) => a + d.timeInAt("running", now), 0);
      expect(busy + cpu.idleTimeAt(now)).toBe(now);
    }
  }
  // Host-wide, which also holds with domains that move: none runs on two CPUs at once.
  const busy = sim.domains.reduce((a, d) => a + d.timeInAt("running", now), 0);
  expect(busy + sim.cpus.reduce((a, c) => a + c.idleTimeAt(now), 0)).toBe(sim.cpus.length * now);
  // Each domain's time is in exactly one state (paused counting apart), and so is each of XenMon's intervals.
  for (const d of sim.domains) {
    const states = d.timeInAt("running", now) + d.timeInAt("runnable", now) + d.timeInAt("blocked", now) + d.pausedTimeAt(now);
    expect(states).toBe(now);
  }
  for (const s of samples) for (const d of s.domains) expect(d.gotten + d.blocked + d.waited).toBeCloseTo(s.end - s.start, 3);
  for (const net of sim.nets) {
    const idd = net.idd.id;
    const guests = [...net.ports.keys()];
    for (const s of samples) {
      const charged = guests.reduce((a, g) => a + s.domains[g].iddEstimate, 0);
      const counted = guests.reduce((a, g) => a + s.domains[g].sent + s.domains[g].recv + sim.xenmon.blockWeight * s.domains[g].blk, 0);
      // With packets (or block requests, if it counts them) in the interval, XenMon hands out all of the IDD's CPU, to its own guests.
      if (counted > 0) expect(charged).toBeCloseTo(s.domains[idd].gotten, 3);
      else expect(charged).toBe(0);
      // The ground truth never exceeds what the IDD ran.
      const truth = guests.reduce((a, g) => a + s.domains[g].iddTruth, 0);
      expect(truth).toBeLessThanOrEqual(s.domains[idd].gotten + 1e-6);
    }
  }
  // XenMon charges nothing to a domain no IDD serves (the IDDs themselves).
  for (const s of samples) for (const net of sim.nets) expect(s.domains[net.idd.id].iddEstimate).toBe(0);
});

/** Every UDP packet offered is delivered, counted as dropped somewhere, or still in a ring. */
export const udpConservation = fc.property(fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom(64, 256, 1500), fc.integer({ min: 5, max: 60 }), (rate, size, iddShare) => {
  // Up to 2.4 Gb/s offered: above the link's 1 Gb/s the external sender's queue drops the rest.
  const text = `name: c\nprofile: system-1\nduration: 1s\ndomains:\n  - { name: Domain-0, idd: true, share: ${iddShare}% }\n  - { name: G, share: 30%, workload: { type: udp, direction: recv, rate: ${rate}, size: ${size}B } }\n`;
  const sim = new Simulation(parseScenario(text), 0, 1);
  const m = new Map(sim.execute().metrics.map((x) => [x.key, x.value]));
  const port = sim.nets[0].port(1);
  const offered = Math.round(rate * 1);
  const accounted = (m.get("G.udpDelivered") ?? 0) + (m.get("G.udpNotSent") ?? 0) + sim.nets[0].droppedNicRing + port.droppedNetback + port.droppedByFilterRx;
  // What is neither delivered nor dropped is still on its way: at most the rings' worth,
  // the packets on the wire (25 µs of it) and, above the link's rate, the sender's queue.
  const senderQueue = rate * size * 8 > 1e9 ? TX_QUEUE_LEN : 0;
  expect(offered - accounted).toBeGreaterThanOrEqual(-1);
  expect(offered - accounted).toBeLessThanOrEqual(senderQueue + 64 + 256 + 2 * 256 + 2);
});

const guestLoad = fc.oneof(
  fc.record({ type: fc.constant("udp"), direction: fc.constantFrom("send", "recv"), rate: fc.integer({ min: 500, max: 40_000 }) }),
  fc.record({ type: fc.constant("web"), rate: fc.integer({ min: 10, max: 400 }), kb: fc.constantFrom(1, 10, 100) }),
);
const loadYaml = (l: { type: string; direction?: string; rate: number; kb?: number }) =>
  l.type === "udp" ? `{ type: udp, direction: ${l.direction}, rate: ${l.rate}, size: 512B }` : `{ type: web, rate: ${l.rate}, fileSize: ${l.kb}KB }`;

/**
 * Under SEDF-DC a guest without extratime gets at most its cap in combined use (own CPU +
 * Domain-0's work for it, as XenMon estimates it), except for the debt not collected yet:
 * what is still owed, and the estimate of the last interval not yet fed back.
 */
export const sedfDcCap = fc.property(
  fc.integer({ min: 20, max: 60 }),
  fc.array(fc.record({ share: fc.integer({ min: 5, max: 25 }), load: guestLoad }), { minLength: 1, maxLength: 2 }),
  fc.integer({ min: 0, max: 3 }),
  (iddShare, guests, run) => {
    fc.pre(iddShare + guests.reduce((a, g) => a + g.share, 0) <= 100); // a valid scenario
    const lines = [`name: dc`, `profile: system-1`, `duration: 3s`, `scheduler: { type: sedf-dc, feedbackInterval: 500ms }`, `domains:`];
    lines.push(`  - { name: Domain-0, idd: true, share: ${iddShare}%, extratime: true }`);
    guests.forEach((g, i) => lines.push(`  - { name: G${i}, share: ${g.share}%, workload: ${loadYaml(g.load)} }`));
    lines.push(`  - { name: Batch, share: 0%, extratime: true, workload: { type: cpu } }`);
    const sim = new Simulation(parseScenario(lines.join("\n") + "\n"), run, 1, undefined, { keepSamples: true });
    const { samples } = sim.execute();
    const T = sim.engine.now;
    const sched = sim.cpus[0].scheduler as SedfDcScheduler;
    guests.forEach((g, i) => {
      const dom = sim.domains[i + 1];
      const own = dom.timeInAt("running", T);
      const estimate = samples.reduce((a, s) => a + s.domains[dom.id].iddEstimate, 0);
      // Estimates since the last feedback (every 500 ms = 5 samples) have not been fed back yet.
      const unfed = samples.slice(samples.length - (samples.length % 5)).reduce((a, s) => a + s.domains[dom.id].iddEstimate, 0);
      const cap = (g.share / 100) * T;
      const slice = (g.share / 100) * 10 * MS; // a period already begun at the end
      expect(own + estimate).toBeLessThanOrEqual(cap + sched.debtOf(dom) + unfed + slice + 1000); // + 1 µs of rounding
    });
  },
);

/**
 * Under ShareGuard a limited guest's use of Domain-0 (XenMon's estimate), averaged over
 * an evaluation interval plus the cut that followed it, is at most its limit, give or
 * take the packets already inside Domain-0 when the cut began.
 */
let shareGuardWindowsChecked = 0;
export const shareGuardLimit = fc.property(
  fc.constantFrom("udp-send", "udp-recv", "bulk"),
  fc.integer({ min: 2, max: 15 }),
  fc.integer({ min: 5_000, max: 60_000 }),
  fc.integer({ min: 0, max: 3 }),
  (kind, limitPct, rate, run) => {
    const load = kind === "bulk" ? `{ type: bulk }` : `{ type: udp, direction: ${kind === "udp-send" ? "send" : "recv"}, rate: ${rate}, size: 512B }`;
    const text = [
      `name: sg`,
      `profile: system-2`,
      `cpus: 2`,
      `duration: 6s`,
      `domains:`,
      `  - { name: Domain-0, idd: true, cpu: 0, share: 60% }`,
      `  - { name: Web, cpu: 1, share: 40%, extratime: true, workload: { type: web, rate: 200, fileSize: 10KB } }`,
      `  - { name: Limited, cpu: 1, share: 40%, extratime: true, workload: ${load} }`,
      `shareguard: { enabled: true, interval: 500ms, limits: { Limited: ${limitPct}% } }`,
    ].join("\n");
    const sim = new Simulation(parseScenario(text + "\n"), run, 1, undefined, { keepSamples: true });
    const { samples } = sim.execute();
    const limited = sim.domains[2];
    for (const d of sim.shareguard!.decisions.filter((x) => x.cutFor > 0)) {
      const from = d.time - 500 * MS;
      const to = d.time + d.cutFor;
      if (to > sim.engine.now) continue; // the run ended during this cut
      const inWindow = samples.filter((s) => s.start >= from && s.end <= to);
      const span = inWindow.reduce((a, s) => a + (s.end - s.start), 0);
      const used = inWindow.reduce((a, s) => a + s.domains[limited.id].iddEstimate, 0);
      // Packets already in Domain-0's rings when the cut begins are still processed:
      // at most two netfront rings and the NIC ring, at the dearer direction's cost
      // (with margin for the per-run cost variation).
      const p = sim.profile;
      const inFlight = (2 * p.netfrontRing.value + p.nicRxRing.value) * Math.max(p.iddRx.value, p.iddTx.value) * 1.5;
      expect(used / span).toBeLessThanOrEqual(limitPct / 100 + inFlight / span);
      shareGuardWindowsChecked++;
    }
  },
);

/**
 * A share policy's shares are SEDF's guarantees: a CPU-bound domain without extratime
 * gets, over each feedback interval, the share set at its start, give or take one
 * period run on the share before (a new slice applies from the next period).
 */
const SEQUENCE = resolve("test/policies/sequence.mjs");
let shareIntervalsChecked = 0;
export const shareGuarantee = fc.property(
  fc.array(
    fc.record({ period: fc.constantFrom(5, 10, 20), shares: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  fc.boolean(),
  (doms, slack) => {
    const initial = 10;
    const lines = [`name: shares`, `profile: system-1`, `duration: 3s`, `scheduler: { type: sedf, feedbackInterval: 500ms, sharePolicy: ${SEQUENCE}, shareOptions: { shares: {`];
    lines.push(doms.map((d, i) => `  D${i}: [${d.shares.map((x) => x / 100).join(", ")}]`).join(",\n") + " } } }");
    lines.push(`domains:`);
    doms.forEach((d, i) => lines.push(`  - { name: D${i}, share: ${initial}%, period: ${d.period}ms, workload: { type: cpu } }`));
    if (slack) lines.push(`  - { name: Batch, share: 0%, extratime: true, workload: { type: cpu } }`);
    const sim = new Simulation(parseScenario(lines.join("\n") + "\n"), 0, 1, undefined, { keepSamples: true });
    const { samples } = sim.execute();
    doms.forEach((d, i) => {
      for (let k = 0; k < 6; k++) {
        const inInterval = samples.filter((s) => s.start >= k * 500 * MS && s.end <= (k + 1) * 500 * MS);
        const got = inInterval.reduce((a, s) => a + s.domains[i].gotten, 0);
        const share = k === 0 ? initial : d.shares[(k - 1) % d.shares.length];
        const before = k <= 1 ? initial : d.shares[(k - 2) % d.shares.length];
        const slop = (Math.abs(share - before) / 100) * d.period * MS + 1000;
        expect(Math.abs(got - (share / 100) * 500 * MS)).toBeLessThanOrEqual(slop);
        shareIntervalsChecked++;
      }
    });
  },
);

describe("invariants over random valid scenarios", () => {
  beforeAll(() => loadPolicy(SEQUENCE, "scheduler.sharePolicy"));

  it("every CPU's busy plus idle time is the elapsed time, and XenMon charges out exactly the IDD's CPU", () => {
    fc.assert(cpuTimeAndChargeOut, { numRuns: 40 });
  });

  it("loses no UDP packet without counting it as dropped", () => {
    fc.assert(udpConservation, { numRuns: 25 });
  });

  it("under SEDF-DC keeps a guest's combined use within its cap plus the debt not yet collected", () => {
    fc.assert(sedfDcCap, { numRuns: 25 });
  });

  it("under a share policy gives each CPU-bound domain the share set for each interval, give or take a period", () => {
    fc.assert(shareGuarantee, { numRuns: 25 });
    expect(shareIntervalsChecked).toBeGreaterThan(100);
  });

  it("under ShareGuard keeps a limited guest's use of Domain-0 within its limit over each evaluation plus cut", () => {
    fc.assert(shareGuardLimit, { numRuns: 20 });
    expect(shareGuardWindowsChecked).toBeGreaterThan(3); // the property is not vacuous
  });
});

/**
 * The property tests must be able to fail: each is run against a deliberately broken
 * model (a patched method) and must report a counterexample.
 */
describe("the invariant checks catch a broken model", () => {
  it("a CPU that loses a microsecond now and then breaks busy + idle = elapsed", () => {
    const original = Domain.prototype.setState;
    let calls = 0;
    Domain.prototype.setState = function (this: Domain, state, now) {
      original.call(this, state, now);
      // Now and then a dispatch starts its clock a microsecond late: that time is lost.
      if (state === "running" && ++calls % 101 === 0) (this as unknown as { since: number }).since += 1000;
    };
    try {
      expect(() => fc.assert(cpuTimeAndChargeOut, { numRuns: 10 })).toThrow();
    } finally {
      Domain.prototype.setState = original;
    }
  });

  it("an IDD that silently loses packets breaks packet conservation", () => {
    const proto = NetBackend.prototype as unknown as { driverDone: (pkt: unknown) => void };
    const original = proto.driverDone;
    let n = 0;
    proto.driverDone = function (this: NetBackend, pkt: unknown) {
      if (++n % 50 === 0) {
        // Lose the packet without counting it anywhere (but keep the NIC ring's books).
        (this as unknown as { nicRxInUse: number }).nicRxInUse--;
        return;
      }
      original.call(this, pkt);
    };
    try {
      expect(() => fc.assert(udpConservation, { numRuns: 10 })).toThrow();
    } finally {
      proto.driverDone = original;
    }
  });

  it("an SEDF that refills a slice 2 % too long breaks the share guarantee", () => {
    const proto = SedfScheduler.prototype as unknown as { newPeriod: (st: { r: number }) => void };
    const original = proto.newPeriod;
    proto.newPeriod = function (this: SedfScheduler, st: { r: number }) {
      original.call(this, st);
      st.r = Math.round(st.r * 1.02);
    };
    try {
      expect(() => fc.assert(shareGuarantee, { numRuns: 10 })).toThrow();
    } finally {
      proto.newPeriod = original;
    }
  });
});
