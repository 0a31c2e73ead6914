import Table from "cli-table3";
import type { Command } from "commander";
import { Option } from "commander";
import { hostProfile } from "../model/host-profile.js";
import { columnsOf } from "../model/runner.js";
import { PROFILES, profileNames, type HostProfile, type Param } from "../profiles/profiles.js";
import { UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import type { Scenario } from "../scenario/schema.js";
import { checkDistinct, checkWritable, writeAtomic, type CliIo } from "./io.js";
import { resolveFormat, setOption } from "./options.js";
import { FORMATS, type Format } from "../report/render.js";
import { loadChecked } from "./load.js";

/** One parameter of a host: the key that sets it in a scenario, its value as written there, and where it came from. */
export interface ParamRow {
  key: string;
  value: string;
  source: string;
}

/** A host's parameters, and for a scenario, what each of its columns changes in them. */
export interface HostTable {
  title: string;
  rows: ParamRow[];
  /** The scenario's columns that run on a different host, with the parameters they change. */
  columns?: Array<{ column: string; changes: ParamRow[] }>;
}

/** Percentages among the ratios: the keys a scenario writes as `40%`. */
const PERCENT_KEYS = new Set(["iddRxDriverShare", "runVariation"]);

/** A value the way a scenario's `host:` block would give it (`10.57us`, `40%`, `1e9`). */
function written(key: string, p: Param): string {
  const v = p.value;
  switch (p.unit) {
    case "ns":
      // Costs are whole nanoseconds, so a thousandth prints exactly; a disk's times read better in ms.
      return v >= 1e6 ? `${v / 1e6}ms` : `${v / 1000}us`;
    case "bit/s":
    case "byte/s":
      return v.toExponential().replace("e+", "e");
    case "bytes":
      return `${v}B`;
    case "ratio":
      return PERCENT_KEYS.has(key) ? `${+(v * 100).toPrecision(6)}%` : String(v);
    default:
      return String(v);
  }
}

/** The profile's own parameters a scenario's `host:` block sets (web's are under `host.web`). */
const HOST_KEYS = ["iddRx", "iddTx", "iddBatchCost", "iddRxDriverShare", "guestRx", "guestTx", "nicRxRing", "netdevBudget", "netfrontRing", "linkRate", "linkPropagation", "runVariation"] as const;

/**
 * The parameters of the host `sc` runs on (its profile with its `host:` overrides, the
 * netback order and XenMon's weight), or of a bare profile.
 */
export function hostRows(profile: HostProfile, sc?: Scenario): ParamRow[] {
  const p = sc ? hostProfile(sc) : profile;
  const hostKey = (k: (typeof HOST_KEYS)[number]) => ({ key: `host.${k}`, value: written(k, p[k]), source: p[k].source });
  const webKey = (k: keyof HostProfile["web"]) => ({ key: k === "mss" ? "(web) mss, not settable" : `host.web.${k}`, value: written(k, p.web[k]), source: p.web[k].source });
  const diskKey = (k: Exclude<keyof HostProfile["disk"], "elevator">) => ({ key: `host.disk.${k}`, value: written(k, p.disk[k]), source: p.disk[k].source });
  const order = sc?.netbackOrder;
  const weight = sc?.xenmon.weight;
  const blockWeight = sc?.xenmon.blockWeight;
  return [
    { key: "cpus (profile)", value: String(p.cpus), source: p.title },
    ...HOST_KEYS.map(hostKey),
    { key: "netbackOrder", value: order ?? p.netbackOrder.value, source: order ? "scenario (netbackOrder:)" : p.netbackOrder.source },
    { key: "xenmon.weight", value: String(weight ?? p.xenmonWeight.value), source: weight !== undefined ? "scenario (xenmon.weight)" : p.xenmonWeight.source },
    { key: "xenmon.blockWeight", value: String(blockWeight ?? 0), source: blockWeight !== undefined ? "scenario (xenmon.blockWeight)" : "the paper's XenMon counts packets only: an IDD's block work is charged by them" },
    ...(["requestBase", "requestPerKB", "mss", "quickAckSegments", "listenBacklog", "maxClients"] as const).map(webKey),
    ...(["iddSubmit", "iddPerPage", "iddComplete", "guestPerRequest", "ring", "maxPending", "positioning", "transferRate"] as const).map(diskKey),
    { key: "host.disk.elevator", value: p.disk.elevator.value, source: p.disk.elevator.source },
    ...(["cfqSlice", "cfqSliceIdle", "cfqQuantum", "cfqSliceAsync", "cfqSliceAsyncRq"] as const).map(diskKey),
  ];
}

/** Each profile named, on its own. */
export function profileTables(names: string[]): HostTable[] {
  return names.map((n) => ({ title: `${n}: ${PROFILES[n].title}`, rows: hostRows(PROFILES[n]) }));
}

/** The host a scenario runs on (its profile, with the base's overrides), and what each column changes in it. */
export function scenarioHostTable(file: string, sc: Scenario): HostTable {
  const rows = hostRows(PROFILES[sc.profile], sc);
  const columns = columnsOf(sc).flatMap((col) => {
    const own = hostRows(PROFILES[col.scenario.profile], col.scenario);
    const changes = own.filter((r, i) => r.value !== rows[i].value || r.source !== rows[i].source);
    return changes.length > 0 ? [{ column: col.name, changes }] : [];
  });
  return { title: `${file}: profile ${sc.profile}`, rows, ...(sc.variants ? { columns } : {}) };
}

function render(tables: HostTable[], format: Format, width: number | undefined): string {
  switch (format) {
    case "json":
      return JSON.stringify(tables, null, 2) + "\n";
    case "csv": {
      const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
      const lines = ["host,column,key,value,source"];
      for (const t of tables) {
        for (const r of t.rows) lines.push([t.title, "", r.key, r.value, r.source].map(quote).join(","));
        for (const c of t.columns ?? []) for (const r of c.changes) lines.push([t.title, c.column, r.key, r.value, r.source].map(quote).join(","));
      }
      return lines.join("\n") + "\n";
    }
    case "md":
      return tables
        .map((t) =>
          [`### ${t.title}`, "", "| Parameter | Value | Source |", "| --- | ---: | --- |", ...t.rows.map((r) => `| ${r.key} | ${r.value} | ${r.source.replace(/\|/g, "\\|")} |`), "", ...changesText(t).map((l) => `${l}  `), ""].join("\n"),
        )
        .join("\n");
    default:
      return tables
        .map((t) => {
          const keyWidth = Math.max(...t.rows.map((r) => r.key.length)) + 2;
          const valueWidth = Math.max(...t.rows.map((r) => r.value.length)) + 2;
          // The source wraps to what the terminal leaves; a pipe gets it whole.
          const sourceWidth = width === undefined ? undefined : Math.max(30, width - keyWidth - valueWidth - 4);
          const table = new Table({
            head: ["Parameter", "Value", "Source"],
            style: { head: [], border: [], compact: true },
            ...(sourceWidth ? { colWidths: [keyWidth, valueWidth, sourceWidth], wordWrap: true } : {}),
          });
          for (const r of t.rows) table.push([r.key, r.value, r.source]);
          return [t.title, table.toString(), ...changesText(t), ""].join("\n");
        })
        .join("");
  }
}

/** What the scenario's columns change, one line each: `"NIC ring 64": host.nicRxRing = 64`. */
function changesText(t: HostTable): string[] {
  if (t.columns === undefined) return [];
  if (t.columns.length === 0) return ["Every column runs on this host."];
  return ["Columns that change it:", ...t.columns.map((c) => `  "${c.column}": ${c.changes.map((r) => `${r.key} = ${r.value}`).join(", ")}`)];
}

export function profileCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("profile")
    .description("show a host profile's parameters, as a scenario's host: block sets them, and where each value came from; or the hosts a scenario's columns run on")
    .argument("[names...]", `profiles (${profileNames().join(", ")}; default: all), or scenario files (.yaml)`)
    .addOption(new Option("-f, --format <format>", "output format (default: from -o's extension, else table)").choices(FORMATS))
    .option("-o, --output <file>", "write to FILE (atomically) instead of stdout");
  setOption(cmd).action((names: string[], flags: { format?: Format; output?: string; set: Override[] }) => {
    const problems: string[] = [];
    const tables: HostTable[] = [];
    for (const name of names.length > 0 ? names : profileNames()) {
      if (/\.ya?ml$/i.test(name)) {
        try {
          tables.push(scenarioHostTable(name, loadChecked(name, flags.set).scenario));
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          problems.push(...e.diagnostics);
        }
      } else if (name in PROFILES) tables.push(...profileTables([name]));
      else problems.push(`${name}: no such profile or scenario file: the profiles are ${profileNames().join(", ")}; a scenario file ends in .yaml`);
    }
    if (problems.length > 0) throw new UsageError(problems);
    checkDistinct([["-o", flags.output]], names);
    if (flags.output) checkWritable(flags.output);
    if (flags.set.length > 0 && !names.some((n) => /\.ya?ml$/i.test(n))) throw new UsageError(["--set: changes a scenario; give a scenario file"]);
    const text = render(tables, resolveFormat(flags.format, flags.output), flags.output || !io.stdoutIsTTY ? undefined : io.stdoutColumns);
    if (flags.output) writeAtomic(flags.output, text);
    else io.stdout(text);
  });
}
