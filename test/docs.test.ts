import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main, program } from "../src/cli/main.js";

/**
 * Every xeniso command line the README and docs/ show is one a user can paste: its
 * command and flags exist and take the values given, the scenario and result files it
 * names are in the repository, and the --set, --sweep and --column flags of a run
 * apply to its scenario (checked by `xeniso validate`, which runs nothing).
 */

interface Example {
  where: string;
  line: string;
  /** A command shown in the text rather than in a code block. */
  inline: boolean;
  /** The refusal the block shows on the line after the command, if it shows one. */
  refusal?: string;
}

const DOCS = [
  "README.md",
  ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  // The scenarios' comments quote commands too.
  ...["scenarios", "scenarios/studies"].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => `${dir}/${f}`)),
];

/** The xeniso commands of a Markdown (or YAML) file: code-block lines (with their `\` continuations joined) and inline `xeniso …` spans. */
function examplesOf(file: string): Example[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const found: Example[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) {
      fenced = !fenced;
      continue;
    }
    if (fenced || /^ {4}\S/.test(lines[i])) {
      const m = /(?:^|&&\s*)(?:\.\/bin\/)?xeniso\s+(.*)$/.exec(lines[i].trim());
      if (!m) continue;
      let line = m[1];
      const at = i + 1;
      while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i].trim()}`;
      const next = lines[i + 1]?.trim() ?? "";
      found.push({ where: `${file}:${at}`, line, inline: false, ...(next.startsWith("error: ") ? { refusal: next } : {}) });
    } else {
      for (const m of lines[i].matchAll(/`(?:\.\/bin\/)?xeniso ([^`]+)`/g)) found.push({ where: `${file}:${i + 1}`, line: m[1].replace(/\\\|/g, "|"), inline: true });
    }
  }
  return found;
}

/** Shell words up to a comment, a redirection or a pipe; quotes as sh reads them. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:'([^']*)'|"([^"]*)"|([^\s'"]+))/y;
  let word: string | undefined;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null && m[0] !== "") {
    const glued = m.index > 0 && !/\s/.test(line[m.index]);
    const piece = m[1] ?? m[2] ?? m[3];
    if (m[3] !== undefined && !glued && /^(#|>|\||&&|2>)/.test(piece)) break;
    if (glued && word !== undefined) word += piece;
    else {
      if (word !== undefined) out.push(word);
      word = piece;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** `scenarios/*.yaml` as the shell would expand it. */
function expand(word: string): string[] {
  if (!word.includes("*")) return [word];
  const [prefix, suffix] = basename(word).split("*");
  return readdirSync(dirname(word))
    .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
    .sort()
    .map((f) => join(dirname(word), f));
}

/** Where a command's text is usage, not an invocation: FILE, [--block], `…`. */
const PLACEHOLDER = /\[|…|\.\.\.|\b[A-Z]{2,}\b/;

const captureIo = (): CliIo & { err: () => string } => {
  let err = "";
  return { stdout: () => {}, stderr: (t) => (err += t), stdoutIsTTY: false, stderrIsTTY: false, env: { CI: "true" }, err: () => err };
};

/** Parses a command line as the CLI would, without running it: the command's name and positional arguments, or commander's complaint. */
async function parse(argv: string[]): Promise<{ command?: string; args: string[]; error?: string }> {
  const io = captureIo();
  const prog = program(io);
  let parsed: { command: string; args: string[] } | undefined;
  for (const c of prog.commands) {
    c.action((...a: unknown[]) => {
      parsed = { command: c.name(), args: a.slice(0, -2).flatMap((x) => (x === undefined ? [] : Array.isArray(x) ? x.map(String) : [String(x)])) };
    });
  }
  try {
    await prog.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) return { args: [], error: (e as Error).message };
    if (e.code !== "commander.helpDisplayed" && e.code !== "commander.help") return { args: [], error: io.err().trim() };
  }
  return { ...(parsed ?? { command: undefined }), args: parsed?.args ?? [] };
}

/**
 * The flags of a command line that change which scenario runs, to hand to `validate`;
 * but a --set naming a module the text has the reader write (the tutorial's gentle.mjs)
 * is not in the repository to check.
 */
function scenarioFlags(argv: string[], scenario: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!["--set", "--sweep", "-c", "--column"].includes(argv[i])) continue;
    const value = argv[++i];
    const module = /=(.+\.m?js)$/.exec(value);
    if (argv[i - 1] === "--set" && module && !existsSync(join(dirname(scenario), module[1]))) continue;
    out.push(argv[i - 1], value);
  }
  return out;
}

const examples = DOCS.flatMap(examplesOf);

describe("the documentation's command lines", () => {
  it("finds the README's and the tutorial's examples", () => {
    const where = examples.filter((e) => !e.inline).map((e) => e.where.split(":")[0]);
    expect(where).toContain("README.md");
    expect(where).toContain("docs/tutorial.md");
    expect(examples.length).toBeGreaterThan(100);
    expect(words(`run s.yaml --column "With ShareGuard" --set 'a=b c' x"y"z -q # comment`)).toEqual(["run", "s.yaml", "--column", "With ShareGuard", "--set", "a=b c", "xyz", "-q"]);
    expect(words("show r.json -f csv > out.csv")).toEqual(["show", "r.json", "-f", "csv"]);
  });

  it("parse as the CLI reads them, and name files and columns that exist", async () => {
    const problems: string[] = [];
    const commands = new Set(program(captureIo()).commands.map((c) => c.name()));
    for (const ex of examples) {
      const argv = words(ex.line).flatMap(expand);
      if (ex.inline && (PLACEHOLDER.test(ex.line) || argv.length === 1)) {
        // A usage line or a mention: its command must still exist.
        if (!commands.has(argv[0])) problems.push(`${ex.where}: no command "${argv[0]}" (${ex.line})`);
        continue;
      }
      const p = await parse(argv);
      // What the CLI said against what the text shows it saying, if anything.
      const check = (said: string | undefined): void => {
        if (ex.refusal === undefined ? said !== undefined : said?.split("\n")[0] !== ex.refusal) problems.push(`${ex.where}: ${ex.line}\n    ${said ?? "accepted, where the text shows it refused"}`);
      };
      if (p.error !== undefined) {
        check(p.error);
        continue;
      }
      // Files the repository has; others (nospread.json, mine.yaml) are made by the text before.
      const shipped = p.args.filter((a) => /^(scenarios|results)\//.test(a));
      for (const f of shipped) if (!existsSync(f)) problems.push(`${ex.where}: ${f}: no such file (${ex.line})`);
      const scenarios = shipped.filter((f) => f.endsWith(".yaml") && existsSync(f));
      if (["run", "trace", "search", "validate"].includes(p.command!) && scenarios.length > 0) {
        const io = captureIo();
        const code = await main(["validate", ...scenarios, ...scenarioFlags(argv, scenarios[0])], io);
        check(code === 0 ? undefined : io.err().trim());
      } else check(undefined);
    }
    expect(problems).toEqual([]);
  });
});

describe("the README's sample output", () => {
  const readme = readFileSync("README.md", "utf8");
  const shown = async (argv: string[]): Promise<string> => {
    let out = "";
    const io = { ...captureIo(), stdout: (t: string) => (out += t) };
    expect(await main(argv, io)).toBe(0);
    return out;
  };
  const squeeze = (text: string) => text.replace(/[ \t]+/g, " ").trim();

  it("is Table 1 as the committed result prints it", async () => {
    const sample = /\n(\| Metric \|[^]*?\n\n15 of 16 [^\n]*)\n/.exec(readme);
    expect(sample, "the README's sample Table 1").not.toBeNull();
    expect(await shown(["show", "results/sedf-dc.json", "-f", "md", "-t", "table1"])).toContain(sample![1]);
  });

  it("ends with the fit lines the committed results give", async () => {
    const block = /\nFit to the paper [^\n]*\n((?: {2}\S[^\n]*\n)+)/.exec(readme);
    expect(block, "the README's fit block").not.toBeNull();
    const fit = squeeze(await shown(["show", ...readdirSync("results").filter((f) => f.endsWith(".json")).map((f) => `results/${f}`)]));
    for (const line of block![1].trimEnd().split("\n")) expect(fit).toContain(squeeze(line));
  });
});
