import Table from "cli-table3";
import type { Command } from "commander";
import { Option } from "commander";
import { runJobs } from "../model/replication.js";
import { estimateColumnsEvents, type Column } from "../model/runner.js";
import { bisect, formatQuantity, parseGoal, parseQuantity, SEARCH_UNITS, type Goal, type Quantity, type Reading } from "../model/search.js";
import { metricKeys } from "../model/simulation.js";
import { meanSd } from "../model/stats.js";
import { num, percentText } from "../report/render.js";
import { XENISO_VERSION } from "../report/result.js";
import { pText } from "../report/significance.js";
import { didYouMean, UsageError } from "../scenario/load.js";
import { parseOverride, type Override } from "../scenario/overrides.js";
import { parsePercent } from "../scenario/units.js";
import { checkDistinct, checkWritable, writeAtomic, type CliIo } from "./io.js";
import { checkPolicies, loadChecked, pickColumn } from "./load.js";
import { defaultJobs, guardDuration, intArg, maxHoursOption, setOption } from "./options.js";

interface SearchFlags {
  vary: string;
  goal: string[];
  column?: string;
  runs?: number;
  seed?: number;
  steps: number;
  jobs: number;
  format?: "table" | "json";
  output?: string;
  quiet?: boolean;
  set: Override[];
  maxHours: number;
  confidence?: string;
}

/** `--vary PATH=LO..HI`: the key and the two ends, in one unit. */
function parseVary(text: string): { path: string; lo: Quantity; hi: Quantity } {
  const m = /^([^=]+)=(.+)\.\.(.+)$/.exec(text);
  const problem = (why: string) => new UsageError([`--vary ${text}: ${why}`]);
  if (m === null) throw problem("expected PATH=LO..HI, e.g. variants[2].shareguard.limits.Domain-3=1%..20%");
  const [lo, hi] = [parseQuantity(m[2]), parseQuantity(m[3])];
  if (lo === null || hi === null) throw problem(`each end must be a number, with a unit of ${SEARCH_UNITS.filter((u) => u !== "").join(", ")}, or none`);
  if (lo.unit !== hi.unit) throw problem(`both ends need the same unit, got "${lo.unit}" and "${hi.unit}"`);
  if (!(lo.value < hi.value)) throw problem("the low end must come first");
  return { path: m[1], lo, hi };
}

/**
 * `xeniso search`: where a goal on one metric starts or stops holding as one setting
 * varies over a range, by bisection (src/model/search.ts). Each probe is the column run
 * `runs` times with the setting at that value, as `--set` would give it.
 */
export function searchCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("search")
    .description("capacity planning: the value of one setting at which a goal on a metric starts or stops holding, by bisection over a range (each probe a column's runs)")
    .argument("<scenario>", "a scenario YAML file, e.g. scenarios/shareguard.yaml")
    .requiredOption("--vary <path=lo..hi>", "the setting and its range, e.g. variants[2].shareguard.limits.Domain-3=1%..20%")
    .requiredOption("--goal <metric op value>", 'a metric key, >=, <=, > or <, and a number, e.g. "Domain-2.replyRate>=220"; repeat for several, all of which must hold', collectGoal, [])
    .option("-c, --column <name>", "the column (variant) to run; needed when the scenario has several")
    .option("-r, --runs <n>", "runs per probe (default: the scenario's)", intArg("--runs", 1, 1000))
    .option("-s, --seed <n>", "random seed (default: the scenario's)", intArg("--seed", 0, 2 ** 31 - 1))
    .option("--steps <n>", "halvings of the range after its two ends are probed", intArg("--steps", 1, 20), 5)
    .option("--confidence <pct>", "a goal holds only where its runs show it with this confidence (one-sided t-test), e.g. 95%; default: on the mean")
    .option("-j, --jobs <n>", "worker threads for a probe's runs", intArg("--jobs", 1, 64), defaultJobs())
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json"]))
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("-q, --quiet", "no progress on stderr");
  maxHoursOption(setOption(cmd)).action(async (file: string, flags: SearchFlags) => {
    const vary = parseVary(flags.vary);
    const goals = flags.goal.map((text) => {
      const goal = parseGoal(text);
      if (goal === null) throw new UsageError([`--goal ${text}: expected METRIC OP NUMBER, e.g. "Domain-2.replyRate>=220"`]);
      return { text, goal };
    });
    const at = (q: Quantity): Override => ({ ...parseOverride(`${vary.path}=${formatQuantity(q)}`), flag: "--vary" });
    // Both ends must load, and the setting must change the column searched.
    const columnAt = (q: Quantity): Column => pickColumn(file, loadChecked(file, [...flags.set, at(q)]).scenario, flags.column);
    // The scenario with its --set flags alone (which are checked as `run` checks them), then at both ends.
    const { scenario: base } = loadChecked(file, flags.set);
    const [low, high] = [columnAt(vary.lo), columnAt(vary.hi)];
    for (const c of [low, high]) await checkPolicies(file, c.scenario);
    if (JSON.stringify(low.scenario) === JSON.stringify(high.scenario)) {
      throw new UsageError([`--vary ${vary.path}: changes nothing in column "${low.name}" (does each variant set this key itself? then vary it under variants[...])`]);
    }
    const keys = metricKeys(low.scenario);
    const unknown = goals.filter(({ goal }) => !keys.has(goal.key));
    if (unknown.length > 0) throw new UsageError(unknown.map(({ text, goal }) => `--goal ${text}: column "${low.name}" reports no metric "${goal.key}"${didYouMean(goal.key, keys)}`));
    const runs = flags.runs ?? base.runs;
    const confidence = flags.confidence === undefined ? undefined : parseConfidence(flags.confidence, runs);
    const seed = flags.seed ?? base.seed;
    guardDuration(`${file}: ${flags.steps + 2} probes × ${runs} runs`, estimateColumnsEvents([low], runs) * (flags.steps + 2), (flags.steps + 2) * runs, flags.jobs, flags.maxHours);
    if (flags.output) {
      checkDistinct([["-o", flags.output]], [file]);
      checkWritable(flags.output);
    }
    const quantity = (value: number): Quantity => ({ value, unit: vary.lo.unit });
    const evaluate = async (value: number) => {
      const column = columnAt(quantity(value));
      const jobs = Array.from({ length: runs }, (_, run) => ({ scenario: column.scenario, run, seed }));
      const results = await runJobs(jobs, flags.jobs, () => {}, async () => {});
      const stats = goals.map(({ goal }) => {
        const values = results.map((r) => r.metrics.find((m) => m.key === goal.key)?.value).filter((v): v is number => v !== undefined);
        return { ...meanSd(values), n: values.length };
      });
      if (!flags.quiet && io.stderrIsTTY && !io.env.CI) {
        io.stderr(`  ${formatQuantity(quantity(value))}: ${goals.map(({ goal }, i) => `${goal.key} = ${num(stats[i].mean)}`).join(", ")}\n`);
      }
      return stats;
    };
    // Whole-number ends with no unit are taken for a whole-number setting (a weight, a ring size).
    const integer = vary.lo.unit === "" && Number.isInteger(vary.lo.value) && Number.isInteger(vary.hi.value);
    const outcome = await bisect(vary.lo.value, vary.hi.value, flags.steps, goals.map((g) => g.goal), evaluate, integer, confidence);
    const show = (v: number) => formatQuantity(quantity(v));
    const doc = {
      command: "search",
      xeniso: XENISO_VERSION,
      scenario: file,
      column: low.name,
      vary: vary.path,
      goals: flags.goal,
      seed,
      runs,
      ...(confidence !== undefined ? { confidence } : {}),
      set: flags.set.map((o) => o.text),
      probes: outcome.probes.map((p) => ({ value: show(p.value), met: p.met, readings: p.readings.map((r, i) => ({ goal: flags.goal[i], ...r })) })),
      boundary: outcome.boundary && { met: show(outcome.boundary.met), unmet: show(outcome.boundary.unmet) },
    };
    const text = flags.format === "json" || (!flags.format && flags.output?.endsWith(".json")) ? JSON.stringify(doc, null, 2) + "\n" : searchTable(doc, goals.map((g) => g.goal));
    if (flags.output) writeAtomic(flags.output, text);
    else io.stdout(text);
  });
}

/** `--confidence 95%`: a fraction from one half up to (not including) 1; it needs two runs or more to show anything. */
function parseConfidence(text: string, runs: number): number {
  const c = parsePercent(text);
  const problems: string[] = [];
  if (!c.ok) problems.push(`--confidence ${text}: ${c.message}`);
  else if (!(c.value >= 0.5 && c.value < 1)) problems.push(`--confidence ${text}: expected a confidence from 50% up to (not including) 100%`);
  if (runs < 2) problems.push(`--confidence needs 2 runs per probe or more (--runs), to see how the runs vary; got ${runs}`);
  if (problems.length > 0 || !c.ok) throw new UsageError(problems);
  return c.value;
}

/** Collects repeated --goal flags. */
function collectGoal(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function searchTable(
  doc: { column: string; vary: string; goals: string[]; runs: number; seed: number; confidence?: number; probes: Array<{ value: string; met: boolean; readings: Reading[] }>; boundary: { met: string; unmet: string } | null },
  goals: Goal[],
): string {
  // One column per condition's metric and one for whether it held; with several, a last one for all of them.
  const sure = doc.confidence === undefined ? "" : ` (${percentText(doc.confidence)} sure)`;
  const head = ["probe", doc.vary, ...goals.flatMap((g) => [g.key, `${g.op} ${g.target}${sure}`]), ...(goals.length > 1 ? ["all"] : [])];
  const table = new Table({ head, style: { head: [], border: [], compact: true } });
  const yes = (met: boolean) => (met ? "yes" : "no");
  // With a confidence, each verdict shows its p: how likely runs this favourable would be, were the true mean on the target.
  const verdictOf = (r: Reading) => (r.p === undefined ? yes(r.met) : `${yes(r.met)} (p ${pText(r.p)})`);
  doc.probes.forEach((p, i) =>
    table.push([String(i + 1), p.value, ...p.readings.flatMap((r) => [`${num(r.mean)} ± ${num(r.sd)}`, verdictOf(r)]), ...(goals.length > 1 ? [yes(p.met)] : [])]),
  );
  const several = goals.length > 1;
  const verdict = doc.boundary
    ? `${several ? "The goals all hold" : "The goal holds"}${sure} at ${doc.boundary.met} and not at ${doc.boundary.unmet}: the boundary lies between them.`
    : doc.probes[0].met
      ? `${several ? "The goals all hold" : "The goal holds"}${sure} at both ends of the range: no boundary inside it.`
      : several
        ? "The goals do not all hold at either end of the range: no boundary found (they may all hold only in between, or nowhere)."
        : "The goal fails at both ends of the range: no boundary inside it.";
  return `Search: ${doc.goals.join(" and ")} in column "${doc.column}", ${doc.runs} run${doc.runs === 1 ? "" : "s"} per probe, seed ${doc.seed}\n${table.toString()}\n${verdict}\n`;
}
