import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../src/profiles/profiles.js";

describe("scripts/derive-profile.mjs", () => {
  it("re-derives the committed p4-2.8 costs from Table 1's SEDF column", () => {
    // Two runs per round instead of ten: the same arithmetic, a little more noise.
    const r = spawnSync(process.execPath, ["scripts/derive-profile.mjs", "2"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const m = /p4-2\.8: iddRx (\d+) ns, iddTx (\d+) ns, requestBase (\d+) ns, requestPerKB (\d+) ns/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [rx, tx, base, perKB] = m!.slice(1).map(Number);
    const p = PROFILES["p4-2.8"];
    expect(Math.abs(rx / p.iddRx.value - 1)).toBeLessThan(0.01);
    expect(Math.abs(tx / p.iddTx.value - 1)).toBeLessThan(0.01);
    expect(Math.abs(base / p.web.requestBase.value - 1)).toBeLessThan(0.01);
    expect(Math.abs(perKB / p.web.requestPerKB.value - 1)).toBeLessThan(0.02);
  });
});
