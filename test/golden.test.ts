import { readdirSync } from "node:fs";
import { describe, it } from "vitest";
import { cliResult, expectMatchesGolden } from "./helpers/golden.js";

const scenarios = readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort();

// Every paper scenario, run as a user runs it, must reproduce its committed result.
describe("golden results: every scenario reproduces results/ exactly", () => {
  it.each(scenarios)("%s", async (file) => {
    expectMatchesGolden(await cliResult(["run", `scenarios/${file}`]), `results/${file.replace(/\.yaml$/, ".json")}`);
  }, 20 * 60_000); // the full paper runs: a minute or two each on this machine
});
