import { readdirSync } from "node:fs";
import { describe, it } from "vitest";
import { runScenario } from "../src/model/runner.js";
import { loadScenarioFile } from "../src/scenario/load.js";
import { expectMatchesGolden } from "./helpers/golden.js";

const scenarios = readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort();

describe("golden results: every scenario reproduces results/ exactly", () => {
  it.each(scenarios)("%s", async (file) => {
    const loaded = loadScenarioFile(`scenarios/${file}`);
    const doc = await runScenario(loaded, { runs: loaded.scenario.runs, seed: loaded.scenario.seed });
    expectMatchesGolden(doc, `results/${file.replace(/\.yaml$/, ".json")}`);
  }, 20 * 60_000); // the full paper runs: minutes each on this machine
});
