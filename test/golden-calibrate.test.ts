import { describe, it } from "vitest";
import { calibrate, PAPER_PLAN } from "../src/model/calibrate.js";
import { PROFILES } from "../src/profiles/profiles.js";
import { expectMatchesGolden } from "./helpers/golden.js";

describe("golden results: calibration reproduces results/ exactly", () => {
  it.each(["system-1", "system-2"])("%s", async (profile) => {
    expectMatchesGolden(await calibrate(PROFILES[profile], PAPER_PLAN, 1), `results/calibrate-${profile}.json`);
  }, 20 * 60_000);
});
