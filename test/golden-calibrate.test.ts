import { describe, it } from "vitest";
import { cliResult, expectMatchesGolden } from "./helpers/golden.js";

describe("golden results: calibration reproduces results/ exactly", () => {
  it.each(["system-1", "system-2"])("%s", async (profile) => {
    expectMatchesGolden(await cliResult(["calibrate", "--profile", profile]), `results/calibrate-${profile}.json`);
  }, 20 * 60_000);
});
