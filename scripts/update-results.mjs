#!/usr/bin/env node
// Regenerates the golden results in results/ with the built CLI (`npm run results`
// builds first). Each result is computed once, as JSON; its Markdown table is rendered
// from that JSON. Commit the diff only when the model change behind it is deliberate.
//
//   node scripts/update-results.mjs            the paper (results/) and the studies (results/studies/)
//   node scripts/update-results.mjs --paper    the paper's scenarios and calibration only (~4 min)
//   node scripts/update-results.mjs --studies  the studies only (~25 min)
//   node scripts/update-results.mjs --study NAME   one study, scenarios/studies/NAME.yaml
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { renderJson, renderMarkdown } from "../dist/report/render.js";

const [only, study] = process.argv.slice(2);
if (only !== undefined && only !== "--paper" && only !== "--studies" && only !== "--study") {
  console.error(`update-results: unknown argument ${only} (expected --paper, --studies or --study NAME)`);
  process.exit(2);
}
if (only === "--study" && !readdirSync("scenarios/studies").includes(`${study}.yaml`)) {
  console.error(`update-results: --study needs the name of a study in scenarios/studies/ (without .yaml), got ${study ?? "nothing"}`);
  process.exit(2);
}

/** `withFigures: false` keeps the tables only: the studies' figures would be most of the repository's size. */
function produce(args, base, withFigures = true) {
  execFileSync(process.execPath, ["bin/xeniso", ...args, "--quiet", "--format", "json", "-o", `results/${base}.json`], { stdio: "inherit" });
  const doc = JSON.parse(readFileSync(`results/${base}.json`, "utf8"));
  if (!withFigures) {
    delete doc.figures;
    writeFileSync(`results/${base}.json`, renderJson(doc));
  }
  writeFileSync(`results/${base}.md`, renderMarkdown(doc));
}

const yamls = (dir) => readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

if (only === undefined || only === "--paper") {
  for (const file of yamls("scenarios")) produce(["run", `scenarios/${file}`], file.replace(/\.yaml$/, ""));
  for (const profile of ["system-1", "system-2"]) produce(["calibrate", "--profile", profile], `calibrate-${profile}`);
}
if (only === "--study") produce(["run", `scenarios/studies/${study}.yaml`], `studies/${study}`, false);
if (only === undefined || only === "--studies") {
  // The studies' figures in docs/studies.md come from these (tables only), and
  // test/golden-studies.test.ts re-runs one column of each.
  mkdirSync("results/studies", { recursive: true });
  for (const file of yamls("scenarios/studies")) produce(["run", `scenarios/studies/${file}`], `studies/${file.replace(/\.yaml$/, "")}`, false);
}
