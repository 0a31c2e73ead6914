import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ResultDoc } from "../src/report/result.js";
import { cliResult, expectColumnsMatchGolden } from "./helpers/golden.js";

const studies = readdirSync("scenarios/studies").filter((f) => f.endsWith(".yaml")).sort();

// docs/studies.md quotes results/studies/; re-running every study in full would take
// about 25 minutes here, so each test re-runs one column, the study's last (usually the
// most beyond the paper), which `run --column` computes as it is among the others.
describe("golden studies: each study's last column reproduces results/studies/ exactly", () => {
  it("every study has a committed result", () => {
    const committed = readdirSync("results/studies").filter((f) => f.endsWith(".json")).sort();
    expect(committed).toEqual(studies.map((f) => f.replace(/\.yaml$/, ".json")));
  });

  it.each(studies)("%s", async (file) => {
    const golden = `results/studies/${file.replace(/\.yaml$/, ".json")}`;
    const columns = (JSON.parse(readFileSync(golden, "utf8")) as ResultDoc).tables.find((t) => t.id === "xenmon")!.columns;
    const fresh = await cliResult(["run", `scenarios/studies/${file}`, "--column", columns[columns.length - 1]]);
    expect(fresh.tables.find((t) => t.id === "xenmon")!.columns).toEqual([columns[columns.length - 1]]);
    expectColumnsMatchGolden(fresh, golden);
  }, 20 * 60_000);
});
