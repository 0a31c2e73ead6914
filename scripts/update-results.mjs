#!/usr/bin/env node
// Regenerates the golden results in results/ with the built CLI (`npm run results`
// builds first). Each result is computed once, as JSON; its Markdown table is rendered
// from that JSON. Commit the diff only when the model change behind it is deliberate.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { renderMarkdown } from "../dist/report/render.js";

function produce(args, base) {
  execFileSync(process.execPath, ["bin/xeniso", ...args, "--quiet", "--format", "json", "-o", `results/${base}.json`], { stdio: "inherit" });
  writeFileSync(`results/${base}.md`, renderMarkdown(JSON.parse(readFileSync(`results/${base}.json`, "utf8"))));
}

for (const file of readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort()) {
  produce(["run", `scenarios/${file}`], file.replace(/\.yaml$/, ""));
}
for (const profile of ["system-1", "system-2"]) produce(["calibrate", "--profile", profile], `calibrate-${profile}`);
