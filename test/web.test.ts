import { describe, expect, it } from "vitest";
import { Simulation } from "../src/model/simulation.js";
import { PROFILES } from "../src/profiles/profiles.js";
import { parseScenario } from "../src/scenario/load.js";
import { ConnectionTimes } from "../src/workloads/web.js";

function webScenario(fileSize: string, rate: number, extra = "") {
  return parseScenario(`name: w
profile: p4-2.8
runs: 1
duration: 10s
domains:
  - { name: Domain-0, idd: true, share: 50%, extratime: true }
  - name: Domain-1
    share: 50%
    extratime: true
    workload: { type: web, rate: ${rate}, fileSize: ${fileSize}${extra} }
`);
}

const metric = (r: ReturnType<Simulation["execute"]>, key: string) => r.metrics.find((m) => m.key === key)!.value;

/** A web server in a guest that never gets the CPU (no share, no extratime): nothing it is sent is ever answered. */
function starvedGuest(duration: string, web: string) {
  return parseScenario(`name: w
profile: p4-2.8
duration: ${duration}
domains:
  - { name: Domain-0, idd: true, share: 50%, extratime: true }
  - { name: Domain-1, share: 0%, workload: { type: web, ${web} } }
`);
}

describe("web workload", () => {
  it("puts the documented packets of one request through netback in each direction", () => {
    // rx: SYN, ACK, GET, one ACK per data segment (quick-ack, ≤ 16 segments), ACK of FIN, FIN
    // tx: SYN-ACK, 8 data segments of ≤ 1448 B, FIN, last ACK
    const small = new Simulation(webScenario("10KB", 1), 0, 1).execute();
    expect(metric(small, "Domain-1.recv")).toBe(13);
    expect(metric(small, "Domain-1.sent")).toBe(11);
    // 71 segments: 16 quick ACKs, then every second one, and the last: 16 + 27 + 1 = 44 ACKs.
    const large = new Simulation(webScenario("100KB", 1), 0, 1).execute();
    expect(metric(large, "Domain-1.recv")).toBe(5 + 44);
    expect(metric(large, "Domain-1.sent")).toBe(71 + 3);
    expect(metric(large, "Domain-1.replyRate")).toBe(1);
  });

  it("charges the guest base + per-KB CPU for each request it serves", () => {
    const r = new Simulation(webScenario("100KB", 10), 0, 1).execute();
    // p4-2.8: base + 100 × per-KB per request, 2 µs per packet, 123 packets.
    const { web, guestRx } = PROFILES["p4-2.8"];
    expect(guestRx.value).toBe(2e3);
    const perRequest = web.requestBase.value + 100 * web.requestPerKB.value + 123 * 2e3;
    expect(metric(r, "Domain-1.cpu")).toBeCloseTo((100 * 10 * perRequest) / 1e9, 2);
  });

  it("opens connections at a fixed rate, or with exponential gaps of the same mean (httperf --period=e)", () => {
    const run = (extra: string) => {
      const sim = new Simulation({ ...webScenario("1KB", 200, extra), duration: 20e9 }, 0, 1, undefined, { seriesBin: 1e9 });
      const r = sim.execute();
      const rates = sim.series().filter((p) => p.domain === "Domain-1").map((p) => p.replyRate!);
      const mean = rates.reduce((a, x) => a + x, 0) / rates.length;
      return { connections: metric(r, "Domain-1.connections"), sd: Math.sqrt(rates.reduce((a, x) => a + (x - mean) ** 2, 0) / (rates.length - 1)) };
    };
    const fixed = run("");
    const poisson = run(", arrivals: exponential");
    expect(fixed.connections).toBe(4000);
    // A Poisson count of mean 4000 has an sd of 63; per 1 s bin, of about 14.
    expect(Math.abs(poisson.connections - 4000)).toBeLessThan(4 * 63);
    expect(poisson.connections).not.toBe(4000);
    expect(fixed.sd).toBeLessThan(2);
    expect(poisson.sd).toBeGreaterThan(7);
    expect(poisson.sd).toBeLessThan(25);
    expect(() => parseScenario(`name: w\nprofile: p4-2.8\nduration: 1s\ndomains:\n  - { name: D0, idd: true, share: 50% }\n  - { name: D1, share: 50%, workload: { type: web, clients: 5, arrivals: exponential, fileSize: 1KB } }\n`, "s.yaml")).toThrow(
      /workload\.arrivals: arrivals are for an open loop \(rate\)/,
    );
  });

  it("serves an unloaded host with no losses and no client timeouts", () => {
    const r = new Simulation(webScenario("10KB", 200, ", timeout: 1s"), 0, 1).execute();
    expect(metric(r, "Domain-1.replyRate")).toBeCloseTo(200, -1);
    expect(metric(r, "Domain-1.clientTimo")).toBe(0);
    expect(metric(r, "Domain-1.backlogDrops")).toBe(0);
  });

  it("times connections as httperf does: from connect() to the reply's last byte", () => {
    // Unloaded: the handshake, the request's CPU (427 + 10 × 8.78 µs), three rounds of
    // slow start and the IDD's work; no queue and no retry.
    const small = new Simulation(webScenario("10KB", 1), 0, 1).execute();
    const big = new Simulation(webScenario("100KB", 1), 0, 1).execute();
    expect(metric(small, "Domain-1.connTime")).toBeGreaterThan(0.515);
    expect(metric(small, "Domain-1.connTime")).toBeLessThan(5);
    expect(metric(big, "Domain-1.connTime")).toBeGreaterThan(metric(small, "Domain-1.connTime"));
    // Overloaded: SYNs dropped at a full listen backlog wait out Linux's 3 s retry.
    const over = new Simulation(webScenario("100KB", 2000), 0, 1).execute();
    expect(metric(over, "Domain-1.backlogDrops")).toBeGreaterThan(0);
    expect(metric(over, "Domain-1.connTimeMax")).toBeGreaterThan(3000);
  });

  it("puts the same connection times in the series, bin by bin, as in the run's figure", () => {
    const sim = new Simulation(webScenario("100KB", 300), 0, 1, undefined, { seriesBin: 1e9 });
    const r = sim.execute();
    const points = sim.series().filter((p) => p.domain === "Domain-1");
    const replies = points.reduce((a, p) => a + p.replyRate!, 0); // 1 s bins: replies per bin
    const weighted = points.reduce((a, p) => a + (p.connTime ?? 0) * p.replyRate!, 0) / replies;
    expect(weighted).toBeCloseTo(metric(r, "Domain-1.connTime"), 6);
  });

  it("keeps connection times as httperf's histogram: 1 ms bins, the median at a bin's middle, the window's replies only", () => {
    const t = new ConnectionTimes(10, 100);
    t.add(5, 1e6); // before the window
    for (const ms of [1.2, 2.7, 2.9, 40]) t.add(50, ms * 1e6);
    t.add(101, 1e6); // after it
    expect(t.count).toBe(4);
    expect(t.mean).toBeCloseTo(((1.2 + 2.7 + 2.9 + 40) / 4) * 1e6, 6);
    expect(t.median).toBe(2.5e6);
    expect(t.max).toBe(40e6);
    expect(new ConnectionTimes().median).toBe(0);
    // Quantiles read the same histogram: 90 % of 100 lifetimes of 1..100 ms are in by the 90 ms bin.
    const q = new ConnectionTimes();
    for (let ms = 1; ms <= 100; ms++) q.add(0, ms * 1e6 - 1e5);
    expect([q.quantile(0.5), q.quantile(0.9), q.quantile(0.99), q.quantile(1)]).toEqual([49.5e6, 89.5e6, 98.5e6, 99.5e6]);
  });

  it("counts client-timo when the server cannot keep up, and the server still did the work", () => {
    const sc = webScenario("100KB", 2000, ", timeout: 1s");
    const r = new Simulation(sc, 0, 1).execute();
    expect(metric(r, "Domain-1.clientTimo")).toBeGreaterThan(0);
    expect(metric(r, "Domain-1.replyRate")).toBeLessThan(2000);
  });

  it("gives up a connection whose SYNs go unanswered after Linux's 5 retries, 189 s after the first", () => {
    // A 20-connection burst against a guest whose kernel never sees the SYNs.
    const sc = starvedGuest("200s", "rate: 1000, fileSize: 10KB, duration: 20ms");
    const at = (seconds: number) => metric(new Simulation({ ...sc, duration: seconds * 1e9 }, 0, 1).execute(), "Domain-1.connFailed");
    expect(at(188)).toBe(0);
    expect(at(190)).toBe(20);
  });

  it("holds at most httperf's descriptors open: attempts beyond them fail as fd-unavail, sending nothing", () => {
    // No connection ever closes: 100 attempts in 1 s, 30 descriptors.
    const sc = starvedGuest("2s", "rate: 100, fileSize: 10KB, duration: 1s, maxOpen: 30");
    const r = new Simulation(sc, 0, 1).execute();
    expect(metric(r, "Domain-1.connections")).toBe(100);
    expect(metric(r, "Domain-1.fdUnavail")).toBe(70);
    // Only the 30 that got a descriptor sent a SYN (none retried yet: the first retry is
    // 3 s on), and netback passed those to the guest: 30 packets in 2 s.
    expect(metric(r, "Domain-1.recv")).toBe(15);
    expect(metric(r, "Domain-1.sent")).toBe(0);
  });

  it("closed loop: N clients thinking Z between connections serve N / (Z + R), R their mean connection time", () => {
    for (const [clients, think, fileSize] of [[20, "50ms", "10KB"], [5, "0ms", "100KB"], [60, "20ms", "100KB"]] as const) {
      const sc = parseScenario(`name: w
profile: p4-2.8
duration: 20s
window: { from: 5s, to: 20s }
domains:
  - { name: Domain-0, idd: true, share: 50%, extratime: true }
  - { name: Domain-1, share: 50%, extratime: true, workload: { type: web, clients: ${clients}, thinkTime: ${think}, fileSize: ${fileSize} } }
`);
      const r = new Simulation(sc, 0, 1).execute();
      const x = metric(r, "Domain-1.replyRate");
      const responseTime = metric(r, "Domain-1.connTime") / 1e3;
      // The interactive response time law, which any closed system obeys on average.
      expect(x).toBeGreaterThan(50);
      expect(x / (clients / (parseFloat(think) / 1e3 + responseTime))).toBeCloseTo(1, 1);
      expect(metric(r, "Domain-1.fdUnavail") + metric(r, "Domain-1.clientTimo") + metric(r, "Domain-1.connFailed")).toBe(0);
    }
  });

  it("closed loop: a client holds one connection at a time, and opens the next when one times out or fails", () => {
    // Against a guest that never answers: 5 clients, back to back, each connection timing out after 100 ms.
    const timing = new Simulation(starvedGuest("2s", "clients: 5, fileSize: 10KB, duration: 1s, timeout: 100ms"), 0, 1).execute();
    expect(metric(timing, "Domain-1.clientTimo")).toBe(50);
    expect(metric(timing, "Domain-1.connections")).toBe(50);
    // With no timeout each client waits on its SYN retries: 5 connections, until Linux gives up 189 s on.
    const sc = starvedGuest("200s", "clients: 5, fileSize: 10KB");
    const at = (seconds: number, key: string) => metric(new Simulation({ ...sc, duration: seconds * 1e9 }, 0, 1).execute(), key);
    expect(at(188, "Domain-1.connections")).toBe(5);
    expect(at(190, "Domain-1.connFailed")).toBe(5);
    expect(at(190, "Domain-1.connections")).toBe(10);
  });

  it("gives a descriptor back when a reply completes or the client times out", () => {
    const r = new Simulation(webScenario("10KB", 200, ", maxOpen: 5"), 0, 1).execute();
    expect(metric(r, "Domain-1.fdUnavail")).toBe(0);
    expect(metric(r, "Domain-1.replyRate")).toBeCloseTo(200, -1);
    // Unanswered, each connection lives its 100 ms timeout: about 10 open at a time.
    const starved = new Simulation(starvedGuest("2s", "rate: 100, fileSize: 10KB, duration: 1s, maxOpen: 30, timeout: 100ms"), 0, 1).execute();
    expect(metric(starved, "Domain-1.fdUnavail")).toBe(0);
    expect(metric(starved, "Domain-1.clientTimo")).toBe(100);
  });

  it("runs a bulk transfer either way: data one way through netback, ACKs (about one per two segments) the other", () => {
    const run = (direction: string) => {
      const sc = parseScenario(`name: b
profile: system-2
duration: 2s
domains:
  - { name: Domain-0, idd: true, share: 50%, extratime: true }
  - { name: Domain-1, share: 50%, extratime: true, workload: { type: bulk, direction: ${direction} } }
`);
      const r = new Simulation(sc, 0, 1).execute();
      return { sent: metric(r, "Domain-1.sent"), recv: metric(r, "Domain-1.recv") };
    };
    const up = run("send");
    const down = run("recv");
    expect(up.sent).toBeGreaterThan(1000);
    expect(up.recv / up.sent).toBeGreaterThan(0.45);
    expect(up.recv / up.sent).toBeLessThan(0.6);
    expect(down.recv).toBeGreaterThan(1000);
    expect(down.sent / down.recv).toBeGreaterThan(0.45);
    expect(down.sent / down.recv).toBeLessThan(0.6);
  });

  it("charges the application's CPU per data segment, gating what the sender can send", () => {
    const run = (direction: string, cpuPerSegment: string) => {
      const sc = parseScenario(`name: b
profile: system-2
duration: 2s
domains:
  - { name: Domain-0, idd: true, cpu: 0, share: 50%, extratime: true }
  - { name: Domain-1, cpu: 1, share: 50%, extratime: true, workload: { type: bulk, direction: ${direction}, cpuPerSegment: ${cpuPerSegment} } }
`);
      const r = new Simulation(sc, 0, 1).execute();
      return { sent: metric(r, "Domain-1.sent"), recv: metric(r, "Domain-1.recv"), cpu: metric(r, "Domain-1.cpu") };
    };
    // 2 µs of stack per packet either way (SYSTEM-2's guest costs), plus 100 µs per data segment.
    const perPacket = PROFILES["system-2"].guestTx.value;
    const up = run("send", "100us");
    expect(up.sent).toBeLessThanOrEqual(10_000); // one segment per 100 µs of the guest's CPU at most
    expect(up.sent).toBeGreaterThan(8_000);
    expect(up.cpu).toBeCloseTo((100 * (up.sent * (100e3 + perPacket) + up.recv * perPacket)) / 1e9, 0);
    const down = run("recv", "100us");
    expect(down.cpu).toBeCloseTo((100 * (down.recv * (100e3 + perPacket) + down.sent * perPacket)) / 1e9, 0);
    // Without it, the same transfer is limited only by the IDD and the windows.
    expect(run("send", "0us").sent).toBeGreaterThan(2 * up.sent);
  });
});
