import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PhysicalCpu } from "../src/host/cpu.js";
import { Domain } from "../src/host/domain.js";
import { SedfScheduler } from "../src/host/schedulers/sedf.js";
import { IddWorkQueue } from "../src/net/idd-queue.js";
import { NetBackend, type NetPathCosts } from "../src/net/netback.js";
import { VifCredit } from "../src/net/vif-credit.js";
import { testCosts } from "./helpers/host.js";
import type { Packet } from "../src/net/packet.js";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";
import { defenceTime } from "../src/shareguard/shareguard.js";
import { Engine, MS, SEC, US } from "../src/sim/engine.js";

describe("t_def", () => {
  it("follows the paper's example: 30% used against 5% → off for 2.5 s after a 0.5 s window", () => {
    expect(defenceTime(0.3, 0.05, 500 * MS)).toBe(2.5 * SEC);
  });

  it("is zero within the limit and rounds up to whole intervals", () => {
    expect(defenceTime(0.05, 0.05, 500 * MS)).toBe(0);
    expect(defenceTime(0.051, 0.05, 500 * MS)).toBe(500 * MS);
    expect(defenceTime(0.28, 0.05, 500 * MS)).toBe(2.5 * SEC); // 4.6 intervals → 5
  });

  it("makes every evaluation-plus-cut window average at most the limit (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), (used, limit) => {
        const t = 500 * MS;
        const cut = defenceTime(used, limit, t);
        expect((used * t) / (t + cut)).toBeLessThanOrEqual(limit + 1e-12);
        // …and by no more than one interval longer than needed.
        if (cut > 0) expect((used * t) / (t + cut - t)).toBeGreaterThan(limit - 1e-12);
      }),
    );
  });
});


/**
 * Domain-0 (the IDD) on CPU 0 and one guest, Domain-1, on CPU `guestCpu` (0: sharing the
 * IDD's CPU, 1: a CPU of its own), joined by a netback with `costs`.
 */
function netHost(costs: NetPathCosts, guestCpu: 0 | 1, credit: VifCredit | null = null) {
  const engine = new Engine();
  const queue = new IddWorkQueue();
  const idd = new Domain(0, "Domain-0", 0, { slice: 5 * MS, period: 10 * MS, extratime: true }, 2, queue);
  const guest = new Domain(1, "Domain-1", guestCpu, { slice: 5 * MS, period: 10 * MS, extratime: true }, 2);
  const cpus = Array.from({ length: guestCpu + 1 }, (_, i) => new PhysicalCpu(i, engine, new SedfScheduler()));
  cpus[0].add(idd);
  cpus[guestCpu].add(guest);
  cpus.forEach((c) => c.start());
  const net = new NetBackend(engine, idd, queue, costs);
  const port = net.attach(guest, credit);
  let delivered = 0;
  const sink = { deliver: () => delivered++ };
  const pkt = (dir: "rx" | "tx"): Packet => ({ guest: 1, dir, size: 100, sink });
  return { engine, idd, net, port, pkt, delivered: () => delivered };
}

describe("ShareGuard's drop paths", () => {
  const costs = testCosts;
  const host = () => netHost(costs, 0);

  it("drops inbound packets in the IDD after the driver's part of the work, unseen by XenMon", () => {
    const h = host();
    h.port.dropRx = true;
    for (let i = 0; i < 100; i++) h.net.sendFromOutside(h.pkt("rx"));
    h.engine.run(1 * SEC);
    expect(h.port.droppedByFilterRx).toBe(100);
    expect(h.port.recv).toBe(0);
    expect(h.delivered()).toBe(0);
    expect(h.idd.onBehalf[1]).toBe(100 * costs.iddRxDriver);
  });

  it("drops outbound packets in netback before the IDD's stack, at no IDD cost", () => {
    const h = host();
    h.port.dropTx = true;
    for (let i = 0; i < 100; i++) h.net.sendFromGuest(h.pkt("tx"));
    h.engine.run(1 * SEC);
    expect(h.port.droppedByFilterTx).toBe(100);
    expect(h.port.sent).toBe(0);
    expect(h.idd.onBehalf[1]).toBe(0);
  });

  it("charges the full per-direction cost when traffic flows", () => {
    const h = host();
    for (let i = 0; i < 100; i++) {
      h.net.sendFromOutside(h.pkt("rx"));
      h.net.sendFromGuest(h.pkt("tx"));
    }
    h.engine.run(1 * SEC);
    expect(h.port.recv).toBe(100);
    expect(h.port.sent).toBe(100);
    expect(h.delivered()).toBe(200);
    expect(h.idd.onBehalf[1]).toBe(100 * (costs.iddRx + costs.iddTx));
  });

  it("drops, at no cost and for no credit, what waits for the vif's credit when netback takes it during a cut", () => {
    // 300 bytes of credit per 50 ms and 100-byte packets: three go at once, seven wait.
    const h = netHost(testCosts, 0, new VifCredit(300, 50 * MS));
    for (let i = 0; i < 10; i++) h.net.sendFromGuest(h.pkt("tx"));
    h.engine.run(10 * MS);
    expect([h.port.sent, h.port.creditWait.length, h.port.txInRing]).toEqual([3, 7, 7]);
    h.port.setCut(true);
    // The credit timer at 50 ms: netback takes the seven and drops them.
    h.engine.run(55 * MS);
    expect([h.port.sent, h.port.droppedByFilterTx, h.port.creditWait.length, h.port.txInRing]).toEqual([3, 7, 0, 0]);
    expect(h.idd.onBehalf[1]).toBe(3 * testCosts.iddTx);
    // Cut lifted: the chunk the timer brought is all there, three packets' worth.
    h.port.setCut(false);
    for (let i = 0; i < 4; i++) h.net.sendFromGuest(h.pkt("tx"));
    h.engine.run(60 * MS);
    expect([h.port.sent, h.port.creditWait.length]).toEqual([6, 1]);
  });
});

/**
 * SYSTEM-2 with a guest, Limited, receiving 512-byte UDP packets at `rate` pkt/s for
 * `seconds`, under the ShareGuard settings given (a YAML mapping) or none; metrics from
 * 1 s to the last second.
 */
function limitedReceiver(rate: number, seconds: number, shareguard?: string) {
  const text = [
    `name: limited`,
    `profile: system-2`,
    `duration: ${seconds}s`,
    `window: { from: 1s, to: ${seconds - 1}s }`,
    `domains:`,
    `  - { name: Domain-0, idd: true, cpu: 0, share: 60% }`,
    `  - { name: Limited, cpu: 1, share: 40%, workload: { type: udp, direction: recv, rate: ${rate}, size: 512B } }`,
    shareguard === undefined ? "" : `shareguard: ${shareguard}`,
  ].join("\n");
  const sim = new Simulation(parseScenario(text + "\n"), 0, 1);
  return { metrics: new Map(sim.execute().metrics.map((m) => [m.key, m.value])), decisions: sim.shareguard?.decisions ?? [] };
}

describe("ShareGuard's throttle", () => {
  it("admits a guest's packets while its allowance lasts, then drops them where a cut would", () => {
    const h = netHost(testCosts, 0);
    h.port.rxCharge = 1;
    h.port.txCharge = 2;
    h.port.allowance = 10;
    for (let i = 0; i < 100; i++) h.net.sendFromOutside(h.pkt("rx"));
    h.engine.run(1 * SEC);
    // A new interval's budget, as ShareGuard sets it.
    h.port.allowance = 2 * 10;
    for (let i = 0; i < 100; i++) h.net.sendFromGuest(h.pkt("tx"));
    h.engine.run(2 * SEC);
    expect([h.port.recv, h.port.droppedByFilterRx]).toEqual([10, 90]);
    expect([h.port.sent, h.port.droppedByFilterTx]).toEqual([10, 90]);
    expect(h.port.allowance).toBe(0);
    // Inbound drops cost the driver's part; outbound drops cost nothing.
    expect(h.idd.onBehalf[1]).toBe(100 * testCosts.iddRxDriver + 10 * (testCosts.iddRx - testCosts.iddRxDriver) + 10 * testCosts.iddTx);
  });

  it("charges a transmit that waited behind a full ring once, and drains the ring's backlog past the allowance", () => {
    // The guest on a CPU of its own posts a packet every 1 µs; the IDD takes 12 µs each.
    const h = netHost({ ...testCosts, netfrontRing: 4 }, 1);
    h.port.txCharge = 1;
    h.port.allowance = 4;
    for (let i = 0; i < 10; i++) h.net.sendFromGuest(h.pkt("tx"));
    h.engine.run(11 * US);
    expect([h.port.txInRing, h.port.txBacklog.length]).toEqual([4, 6]);
    h.engine.run(1 * SEC);
    // The four in the ring go out; the six behind them, past the allowance, are dropped
    // as the slots free, none left waiting for a slot no transmit will free.
    expect([h.port.sent, h.port.droppedByFilterTx, h.port.txBacklog.length]).toEqual([4, 6, 0]);
  });

  it("admits packets worth the guest's limit of IDD time, never cutting it off; leaves one under its limit alone (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 25_000 }), fc.constantFrom(0.02, 0.05, 0.1), (rate, limit) => {
        const { metrics, decisions } = limitedReceiver(rate, 6, `{ enabled: true, action: throttle, interval: 500ms, limits: { Limited: ${100 * limit}% } }`);
        expect(decisions).toEqual([]);
        expect(metrics.get("Limited.shareguardCuts")).toBe(0);
        // What a packet really costs the IDD in this run (the run's cost factor), unthrottled.
        const free = limitedReceiver(rate, 6).metrics;
        const perPacket = free.get("Limited.iddTrue")! / 100 / free.get("Limited.recv")!;
        const admitted = metrics.get("Limited.recv")! * perPacket;
        expect(admitted).toBeLessThanOrEqual(limit * 1.02);
        // A guest under its limit loses nothing; one well over it gets nearly all of it.
        const demand = free.get("Limited.iddTrue")! / 100;
        if (demand < limit * 0.95) expect(metrics.get("Limited.shareguardDrops")).toBe(0);
        if (demand > limit * 1.05) expect(admitted).toBeGreaterThan(limit * 0.95);
      }),
      { numRuns: 6 },
    );
  });
});

describe("netback's receive buffers", () => {
  it("drops a packet for a guest whose posted buffers are all taken, counting packets still in netback and in the ring", () => {
    // Xen 3.0 netback accepts a packet for a guest only if it can reserve one of the
    // guest's posted rx buffers; the guest posts it again once its stack has the packet.
    // Ten packets arrive 50 µs apart for a guest whose stack takes 1 ms each on its own
    // CPU. The IDD (10 µs a packet) has put each in the ring before the next arrives, but
    // the guest has consumed none: the IDD accepts four, the ring's size, and drops the
    // other six after the driver's part of the work, before netback's.
    const costs: NetPathCosts = { ...testCosts, guestRx: 1 * MS, netfrontRing: 4 };
    const { engine, idd, net, port, pkt, delivered } = netHost(costs, 1);
    for (let i = 0; i < 10; i++) engine.at(i * 50 * US, () => net.sendFromOutside(pkt("rx")));
    engine.run(600 * US);
    expect(port.droppedNetback).toBe(6);
    expect(port.recv).toBe(4);
    expect(idd.onBehalf[1]).toBe(10 * costs.iddRxDriver + 4 * (costs.iddRx - costs.iddRxDriver));
    engine.run(1 * SEC);
    expect(delivered()).toBe(4);
    expect(port.rxBuffersInUse).toBe(0);
    // Once the guest has caught up, its buffers take packets again.
    for (let i = 0; i < 3; i++) net.sendFromOutside(pkt("rx"));
    engine.run(2 * SEC);
    expect(delivered()).toBe(7);
    expect(port.droppedNetback).toBe(6);
  });
});

describe("the IDD's per-batch cost", () => {
  const host = (costs: NetPathCosts) => netHost(costs, 1);

  it("is paid when packet work finds the IDD with nothing queued, once per batch, and not for packets ShareGuard drops in netback", () => {
    const costs: NetPathCosts = { ...testCosts, iddBatch: 30 * US };
    const { engine, idd, net, port, pkt } = host(costs);
    // Two packets 1 µs apart: the second arrives while the first batch is under way.
    engine.at(0, () => net.sendFromOutside(pkt("rx")));
    engine.at(1 * US, () => net.sendFromOutside(pkt("rx")));
    engine.run(1 * MS);
    expect(port.recv).toBe(2);
    expect(idd.onBehalf[1]).toBe(costs.iddBatch + 2 * costs.iddRx);
    // Later, with the IDD idle: a packet from outside, then one from the guest, each a batch.
    net.sendFromOutside(pkt("rx"));
    engine.run(2 * MS);
    net.sendFromGuest(pkt("tx"));
    engine.run(3 * MS);
    expect(port.sent).toBe(1);
    expect(idd.onBehalf[1]).toBe(3 * costs.iddBatch + 3 * costs.iddRx + costs.iddTx);
    // A transmit ShareGuard drops in netback never reaches the IDD: no batch, no cost.
    port.dropTx = true;
    net.sendFromGuest(pkt("tx"));
    engine.run(4 * MS);
    expect(port.droppedByFilterTx).toBe(1);
    expect(idd.onBehalf[1]).toBe(3 * costs.iddBatch + 3 * costs.iddRx + costs.iddTx);
  });

  it("counts a transmit that waited behind a full ring as part of the batch that frees its slot", () => {
    const costs: NetPathCosts = { ...testCosts, iddBatch: 30 * US, netfrontRing: 1 };
    const { engine, idd, net, port, pkt } = host(costs);
    net.sendFromGuest(pkt("tx"));
    net.sendFromGuest(pkt("tx"));
    engine.run(1 * MS);
    expect(port.sent).toBe(2);
    expect(idd.onBehalf[1]).toBe(costs.iddBatch + 2 * costs.iddTx);
  });
});

describe("ShareGuard's rhythm in the results", () => {
  /** A guest receiving UDP at `rate` pkt/s under a 10 % limit; its cuts over 1–9 s. */
  function run(rate: number) {
    const { metrics, decisions } = limitedReceiver(rate, 10, "{ enabled: true, interval: 500ms, limits: { Limited: 10% } }");
    return { metrics, cuts: decisions.filter((d) => d.time >= 1 * SEC && d.time < 9 * SEC) };
  }

  it("reports the use that drew the first cut in the window, that cut, and the median cut", () => {
    const { metrics, cuts } = run(20_000);
    expect(cuts.length).toBeGreaterThan(2);
    expect(metrics.get("Limited.shareguardCuts")).toBe(cuts.length);
    expect(metrics.get("Limited.shareguardFirstUsed")).toBeCloseTo(100 * cuts[0].used, 9);
    expect(metrics.get("Limited.shareguardFirstCut")).toBe(cuts[0].cutFor / SEC);
    // A steady load draws the same cut every time: t_def of the same share.
    expect(new Set(cuts.map((c) => c.cutFor)).size).toBe(1);
    expect(metrics.get("Limited.shareguardMedianCut")).toBe(cuts[0].cutFor / SEC);
    expect(cuts[0].cutFor).toBe(defenceTime(cuts[0].used, 0.1, 500 * MS));
  });

  it("reports no rhythm for a guest that stays within its limit", () => {
    const { metrics, cuts } = run(500);
    expect(cuts).toEqual([]);
    expect(metrics.get("Limited.shareguardCuts")).toBe(0);
    expect(metrics.has("Limited.shareguardFirstUsed")).toBe(false);
    expect(metrics.has("Limited.shareguardMedianCut")).toBe(false);
  });
});
