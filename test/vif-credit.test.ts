import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadPoliciesOf } from "../src/model/replication.js";
import { Simulation } from "../src/model/simulation.js";
import { Trace } from "../src/model/trace.js";
import { creditPerInterval, VifCredit } from "../src/net/vif-credit.js";
import { parseScenario } from "../src/scenario/load.js";
import { parseBandwidth } from "../src/scenario/units.js";
import { MS } from "../src/sim/engine.js";
import { TX_QUEUE_LEN } from "../src/workloads/udp.js";
import { problems } from "./helpers/scenario.js";

/**
 * Netback's loop over one vif, as net_tx_action and the credit timer run it: requests
 * (time, size) arrive in order; one is taken at once if none waits and its credit is
 * there, else it waits, and each timer takes what the new chunk covers. A rate change
 * (time, chunk) is taken as NetBackend.setVifRate takes it: a pending timer fires at once.
 * Returns when each request was taken.
 */
function netbackLoop(credit: VifCredit, requests: Array<{ at: number; size: number }>, changes: Array<{ at: number; chunk: number }> = []): number[] {
  const taken: number[] = [];
  const waiting: number[] = [];
  let timer = Infinity;
  let next = 0;
  let change = 0;
  while (next < requests.length || waiting.length > 0) {
    const requestAt = next < requests.length ? requests[next].at : Infinity;
    if (change < changes.length && changes[change].at <= requestAt && changes[change].at < timer) {
      const { at, chunk } = changes[change++];
      if (!credit.setChunk(chunk)) continue;
      timer = at;
    } else if (requestAt < timer) {
      const { at, size } = requests[next++];
      if (waiting.length === 0 && credit.take(size, at)) taken.push(at);
      else if (waiting.push(size) === 1) timer = credit.timerAt;
      continue;
    }
    const now = timer;
    timer = Infinity;
    credit.timerFired(waiting[0]);
    while (waiting.length > 0) {
      if (!credit.take(waiting[0], now)) {
        timer = Math.max(credit.timerAt, now);
        break;
      }
      waiting.shift();
      taken.push(now);
    }
  }
  return taken;
}

describe("netback's vif credit (Xen's rate=)", () => {
  it("xend's chunk: rate · interval in whole bytes, K, M and G powers of 1000, b bits", () => {
    expect(creditPerInterval(parseBandwidth("10Mb/s").value!, 50 * MS)).toBe(62_500);
    expect(parseBandwidth("1.25MB/s")).toEqual({ ok: true, value: 1_250_000 });
    expect(parseBandwidth("100Kb/s")).toEqual({ ok: true, value: 12_500 });
    expect(parseBandwidth("1Gb/s")).toEqual({ ok: true, value: 125_000_000 });
    expect(parseBandwidth("10Mbps").ok).toBe(false);
    expect(parseBandwidth(10).ok).toBe(false);
  });

  it("takes a chunk per interval, and a waiting request goes when the timer brings the next (by hand)", () => {
    // 3,100 bytes per 50 ms; frames of 1,514 bytes: two fit in a chunk, with 72 left.
    const credit = new VifCredit(3100, 50 * MS);
    const frames = Array.from({ length: 6 }, () => ({ at: 0, size: 1514 }));
    // t=0: two go, the third waits for the timer at 50 ms, which tops the balance up to
    // min(72 + 3,100, 3,100) = 3,100: two frames a chunk.
    expect(netbackLoop(credit, frames)).toEqual([0, 0, 50 * MS, 50 * MS, 100 * MS, 100 * MS]);
    expect(credit.balance).toBe(72);
  });

  it("does not let credit pile up while the guest is quiet: one chunk at most", () => {
    const credit = new VifCredit(3100, 50 * MS);
    expect(credit.take(1514, 0)).toBe(true);
    // Quiet for 4 intervals: the next frame goes on the 1,586 bytes left; for the one after,
    // the overdue chunk is added at once, up to 3,100 and no more: two frames, not eight.
    const at = 200 * MS;
    expect([1, 2, 3, 4].map(() => credit.take(1514, at))).toEqual([true, true, true, false]);
    // The next chunk is due an interval after that top-up.
    expect(credit.timerAt).toBe(at + 50 * MS);
  });

  it("a chunk smaller than a frame lets the frame burst its own size, and loses the rest (as tx_add_credit)", () => {
    // 1,000 bytes per 50 ms, frames of 1,514: a top-up may reach max(chunk, frame) = 1,514.
    const credit = new VifCredit(1000, 50 * MS);
    const frames = Array.from({ length: 3 }, () => ({ at: 0, size: 1514 }));
    // 50 ms: min(1,000 + 1,000, 1,514) = 1,514, the first frame goes, 0 left. 100 ms:
    // 1,000, short; the next chunk is due at 150 ms: 1,514 again. One frame per 100 ms.
    expect(netbackLoop(credit, frames)).toEqual([50 * MS, 150 * MS, 250 * MS]);
  });

  it("a new rate, as a write to the vif's rate key: the balance is cut to the new chunk, or a pending timer fires at once with it", () => {
    const credit = new VifCredit(10_000, 50 * MS);
    expect(credit.take(1514, 0)).toBe(true);
    // 8,486 left, more than the new chunk: cut to it.
    expect(credit.setChunk(3100)).toBe(false);
    expect([credit.bytesPerInterval, credit.balance]).toEqual([3100, 3100]);
    // Two frames go (72 left); the third waits for a timer at 50 ms.
    expect([1, 2, 3].map(() => credit.take(1514, 0))).toEqual([true, true, false]);
    expect(credit.timerAt).toBe(50 * MS);
    // A new rate while it waits: the caller fires the timer now, which tops up by the new
    // chunk: min(72 + 5,000, max(1,514, 5,000)) = 5,000.
    expect(credit.setChunk(5000)).toBe(true);
    credit.timerFired(1514);
    expect(credit.balance).toBe(5000);
    // A balance under the new chunk stays as it is.
    expect(credit.setChunk(8000)).toBe(false);
    expect(credit.balance).toBe(5000);
  });

  it("property: by any time T, it has taken at most one chunk per interval begun, and every request in the end", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1514, max: 200_000 }),
        fc.integer({ min: 1, max: 100 }).map((n) => n * MS),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 30 * MS }), size: fc.integer({ min: 60, max: 1514 }) }), { minLength: 1, maxLength: 300 }),
        (chunk, interval, arrivals) => {
          let at = 0;
          const requests = arrivals.map(({ gap, size }) => ({ at: (at += gap), size }));
          const taken = netbackLoop(new VifCredit(chunk, interval), requests);
          expect(taken).toHaveLength(requests.length);
          let bytes = 0;
          taken.forEach((t, i) => {
            expect(t).toBeGreaterThanOrEqual(requests[i].at);
            if (i > 0) expect(t).toBeGreaterThanOrEqual(taken[i - 1]);
            bytes += requests[i].size;
            expect(bytes).toBeLessThanOrEqual(chunk * (1 + Math.floor(t / interval)));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: after a new rate, at most one chunk of it per interval begun, plus the one it starts with", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1514, max: 100_000 }),
        fc.integer({ min: 1, max: 100 }).map((n) => n * MS),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 10 * MS }), size: fc.integer({ min: 60, max: 1514 }) }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 1000 * MS }), chunk: fc.integer({ min: 1514, max: 100_000 }) }), { maxLength: 8 }),
        (chunk, interval, arrivals, unsorted) => {
          let at = 0;
          const requests = arrivals.map(({ gap, size }) => ({ at: (at += gap), size }));
          const changes = [...unsorted].sort((a, b) => a.at - b.at);
          const taken = netbackLoop(new VifCredit(chunk, interval), requests, changes);
          expect(taken).toHaveLength(requests.length);
          // Each rate holds from its change to the next: what goes in [from, T] is bounded by
          // its chunk: the balance it leaves (at most one chunk) and one top-up per interval begun.
          const spans = [{ at: 0, chunk }, ...changes].map((c, k, all) => ({ ...c, to: all[k + 1]?.at ?? Infinity }));
          for (const { at: from, chunk: k, to } of spans) {
            let bytes = 0;
            taken.forEach((t, i) => {
              if (t < from || t >= to) return;
              bytes += requests[i].size;
              expect(bytes).toBeLessThanOrEqual(k * (2 + Math.floor((t - from) / interval)));
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

const SENDER = (vif: string) => `name: vif
profile: system-1
duration: 4s
window: { from: 1s, to: 4s }
domains:
  - { name: Domain-0, idd: true, share: 50% }
  - { name: Domain-1, share: 40%${vif}, workload: { type: udp, direction: send, rate: 4000, size: 1000B } }
`;

describe("a rate-limited vif through netback", () => {
  const metrics = (text: string) => new Map(new Simulation(parseScenario(text, "vif.yaml"), 1, 0).execute().metrics.map((m) => [m.key, m.value]));

  it("holds a guest that offers 4 MB/s to its vif's 1 MB/s, and Domain-0 works only for what goes", () => {
    const free = metrics(SENDER(""));
    const limited = metrics(SENDER(", vif: { rate: 8Mb/s }"));
    expect(free.get("Domain-1.sent")!).toBeCloseTo(4000, -1);
    // 1,000,000 B/s in 50,000-byte chunks: 50 frames of 1,000 bytes every 50 ms.
    expect(limited.get("Domain-1.sent")!).toBeCloseTo(1000, -1);
    expect(limited.get("Domain-1.idd")! / free.get("Domain-1.idd")!).toBeCloseTo(0.25, 1);
    expect(limited.get("Domain-1.vifWaits")!).toBeGreaterThan(0);
    expect(free.has("Domain-1.vifWaits")).toBe(false);
    // What the limit holds back fills the guest's queue of 1,000, and then its qdisc drops
    // the rest: about 3,000 of the 4,000 sends a second, once the queue is full.
    expect(free.get("Domain-1.udpNotSent")).toBe(0);
    expect(limited.get("Domain-1.udpNotSent")! * 4).toBeCloseTo(3000 * 4 - 1000, -2);
  });

  it("keeps at most txqueuelen packets in a sender's guest, however far the host is behind", () => {
    const sim = new Simulation(parseScenario(SENDER(", vif: { rate: 100Kb/s }"), "vif.yaml"), 1, 0);
    sim.execute();
    const port = sim.nets[0].port(1);
    expect(port.txInRing + port.txBacklog.length).toBeLessThanOrEqual(TX_QUEUE_LEN);
    expect(port.txInRing + port.txBacklog.length).toBeGreaterThan(TX_QUEUE_LEN - 10);
  });

  it("changes nothing where its rate is never reached", () => {
    const free = metrics(SENDER(""));
    const roomy = metrics(SENDER(", vif: { rate: 1Gb/s }"));
    roomy.delete("Domain-1.vifWaits");
    expect(roomy).toEqual(free);
  });

  /** SENDER with a policy that sets its vif's rate at the given times. */
  async function stepped(steps: Array<{ at: number; guest: string; vifRate: number | null }>) {
    const text = `${SENDER("")}shareguard: { interval: 500ms, limits: { Domain-1: 40% }, policy: policies/vif-steps.mjs, options: { steps: ${JSON.stringify(steps)} } }\n`;
    const scenario = parseScenario(text, "test/vif.yaml");
    await loadPoliciesOf(scenario);
    return scenario;
  }

  it("a trace records each rate a policy sets: a CSV row, a Perfetto counter, an instant when lifted", async () => {
    const scenario = await stepped([
      { at: 1, guest: "Domain-1", vifRate: 1.25e6 },
      { at: 2, guest: "Domain-1", vifRate: null },
    ]);
    const trace = (format: "csv" | "chrome") => {
      let text = "";
      const t = new Trace((x) => (text += x), 0, 4e9, false, format);
      new Simulation(scenario, 1, 0, undefined, { trace: t }).execute();
      t.finish(scenario.duration);
      return text;
    };
    expect(trace("csv").split("\n").filter((l) => l.includes(",vifrate,"))).toEqual(["1000,,vifrate,Domain-1,,,set to 10 Mb/s", "2000,,vifrate,Domain-1,,,no limit"]);
    const events = (JSON.parse(trace("chrome")).traceEvents as Array<{ name: string; ph: string; ts: number; args?: object }>).filter((e) => e.name.includes("vif rate"));
    expect(events.map(({ name, ph, ts, args }) => ({ name, ph, ts, args }))).toEqual([
      { name: "Domain-1 vif rate (Mb/s)", ph: "C", ts: 1e6, args: { "Domain-1": 10 } },
      { name: "Domain-1 vif rate lifted", ph: "i", ts: 2e6, args: undefined },
    ]);
  });

  it("takes a rate a policy sets at run time: from none to 1 MB/s, then 2 MB/s, then none again", async () => {
    const steps = [
      { at: 1, guest: "Domain-1", vifRate: 1e6 },
      { at: 2, guest: "Domain-1", vifRate: 2e6 },
      { at: 3, guest: "Domain-1", vifRate: null },
    ];
    const scenario = await stepped(steps);
    const sim = new Simulation(scenario, 1, 0, undefined, { keepSamples: true });
    const { samples, metrics } = sim.execute();
    // Packets of 1,000 bytes sent in each second, skipping its first 100 ms (the change's own interval).
    const sentIn = (from: number) => samples.filter((x) => x.start >= (from + 0.1) * 1e9 && x.end <= (from + 1) * 1e9).reduce((a, x) => a + x.domains[1].sent, 0) / 0.9;
    expect(sentIn(0)).toBeCloseTo(4000, -2);
    expect(sentIn(1)).toBeCloseTo(1000, -1);
    expect(sentIn(2)).toBeCloseTo(2000, -1);
    // Lifted: what the guest queued behind the limit (up to txqueuelen, 1,000) goes at once,
    // in the first 100 ms, beside the 400 it sends in them; then 4,000 a second.
    const burst = samples.filter((x) => x.start >= 3e9 && x.end <= 3.1e9).reduce((a, x) => a + x.domains[1].sent, 0);
    expect(burst).toBeGreaterThan(1300);
    expect(burst).toBeLessThanOrEqual(TX_QUEUE_LEN + 400);
    expect(sentIn(3)).toBeCloseTo(4000, -2);
    expect(sim.nets[0].port(1).credit).toBeNull();
    expect(metrics.find((m) => m.key === "Domain-1.vifWaits")!.value).toBeGreaterThan(0);
  });

  it("says what is wrong with a bad vif", () => {
    expect(problems(SENDER(", vif: { rate: 10Mbps }"))).toEqual([
      's.yaml:7:48 domains[1].vif.rate: expected a bandwidth such as "10Mb/s" (bits) or "1.25MB/s" (bytes), got "10Mbps"',
    ]);
    expect(problems(SENDER(", vif: { rate: 8b/s, interval: 100ms }"))).toEqual([
      "s.yaml:7:48 domains[1].vif.rate: rate × interval is 0 bytes of credit per interval: it must be 1 byte to 2^32 − 1 (xend would fall back to no limit)",
    ]);
    expect(problems(SENDER("").replace("share: 50% }", "share: 50%, vif: { rate: 1Mb/s } }"))[0]).toMatch(/domains\[0\]\.vif: a vif's rate limits a guest's traffic through netback: an IDD has no vif/);
  });
});
