import { describe, expect, it } from "vitest";
import { BLOCK_PLAN, calibrate, PAPER_PLAN } from "../src/model/calibrate.js";
import { PROFILES, type HostProfile } from "../src/profiles/profiles.js";

const quick = { ...PAPER_PLAN, sizes: [100, 600, 1200], rates: [2_000, 6_000, 12_000], duration: 2e9, runs: 3 };

function withCosts(rx: number, tx: number, variation = 0): HostProfile {
  const base = PROFILES["system-1"];
  return {
    ...base,
    name: "test",
    iddRx: { ...base.iddRx, value: rx },
    iddTx: { ...base.iddTx, value: tx },
    runVariation: { ...base.runVariation, value: variation },
  };
}

describe("calibrate", () => {
  it("recovers the true send/receive cost ratio of a profile, by measurement", async () => {
    for (const [rx, tx] of [
      [10_000, 13_000],
      [20_000, 15_000],
    ]) {
      const r = await calibrate(withCosts(rx, tx), quick, 7);
      expect(r.weight.mean).toBeCloseTo(tx / rx, 2);
      expect(r.weight.sd).toBeLessThan(0.01);
    }
  });

  it("finds Domain-0's CPU flat across packet sizes (Fig. 4) and linear in rate (Fig. 5)", async () => {
    const r = await calibrate(withCosts(12_000, 13_200), quick, 3);
    const fig4 = r.tables.find((t) => t.id === "fig4")!;
    for (const col of ["Send", "Receive"]) {
      const values = fig4.rows.map((row) => row.values[col].mean);
      expect(Math.max(...values) - Math.min(...values)).toBeLessThan(0.05 * values[0]);
    }
    const fig5 = r.tables.find((t) => t.id === "fig5")!;
    for (const col of ["Send", "Receive"]) {
      const perPacket = fig5.rows.map((row, i) => row.values[col].mean / quick.rates[i]);
      expect(Math.max(...perPacket) / Math.min(...perPacket)).toBeLessThan(1.02);
    }
    // 10,000 pkt/s × 12 µs = 12% of a CPU.
    expect(fig4.rows[0].values.Receive.mean).toBeCloseTo(12, 0);
  });

  it("on SYSTEM-1 and SYSTEM-2 finds the paper's weights within their spread", async () => {
    const s1 = await calibrate(PROFILES["system-1"], { ...quick, runs: 10 }, 1);
    expect(Math.abs(s1.weight.mean - 1.1)).toBeLessThan(0.05);
    expect(s1.weight.sd).toBeGreaterThan(0.03);
    expect(s1.weight.sd).toBeLessThan(0.12);
    const s2 = await calibrate(PROFILES["system-2"], { ...quick, runs: 10 }, 1);
    expect(Math.abs(s2.weight.mean - 1.16)).toBeLessThan(0.08);
    expect(s2.weight.sd).toBeGreaterThan(0.07);
    expect(s2.weight.sd).toBeLessThan(0.25);
  });

  it("with the disk benchmark (--block), measures a block request's IDD cost against a received packet's", async () => {
    // The profiles' block costs: 10 µs, 1 µs per 4 KB page, 8 µs; a received packet here costs 10 µs.
    const r = await calibrate(withCosts(10_000, 13_000), { ...quick, ...BLOCK_PLAN, runs: 2 }, 5);
    const weights = r.tables.find((t) => t.id === "block-weight")!.rows.map((row) => row.values["block weight"].mean);
    expect(weights.map((w) => +w.toFixed(2))).toEqual([1.9, 2.0, 2.2, 2.6, 2.9]);
    // 1000 requests/s × 19 µs: 1.9 % of a CPU at 4 KB.
    expect(r.tables.find((t) => t.id === "block")!.rows[0].values.Disk.mean).toBeCloseTo(1.9, 2);
    // Without it, the paper's calibration is what runs.
    expect((await calibrate(withCosts(10_000, 13_000), quick, 5)).tables.map((t) => t.id)).toEqual(["fig4", "fig5", "weight"]);
  });
});
