import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { isAlias, isCollection, isMap, isNode, LineCounter, parseDocument, visit, type Document } from "yaml";
import type * as z from "zod";
import { applyOverride, formatPath, OverrideError, type Override } from "./overrides.js";
import { policyFileProblem } from "../model/policy-module.js";
import { ScenarioSchema, scenarioJsonSchema, type Scenario } from "./schema.js";

/** One problem in a scenario file, located as `file:line:col path: message`. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}${d.path ? ` ${d.path}` : ""}: ${d.message}`;
}

/** A scenario (or flag) that cannot be used; carries every problem found, not just the first. */
export class UsageError extends Error {
  constructor(
    readonly diagnostics: string[],
  ) {
    super(diagnostics.join("\n"));
    this.name = "UsageError";
  }
}

export interface LoadedScenario {
  file: string;
  /** sha256 of the file's bytes, recorded in results for provenance. */
  hash: string;
  /** The `--set` flags applied on top of the file, as given (also recorded in results). */
  set: string[];
  scenario: Scenario;
  /** The policy modules the scenario uses (relative to the working folder), with their sha256: part of how a result was made. */
  policies?: Array<{ path: string; sha256: string }>;
}

const MAX_BYTES = 1024 * 1024;
const MAX_ALIASES = 100;

export function loadScenarioFile(file: string, overrides: Override[] = []): LoadedScenario {
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_BYTES) throw new UsageError([`${file}:1:1: file is larger than 1 MiB; a scenario is a few dozen lines`]);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a scenario file" : code === "EACCES" ? "permission denied" : String((e as Error).message);
    throw new UsageError([`${file}: ${why}`]);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError([`${file}:1:1: file is not valid UTF-8 text`]);
  }
  const scenario = parseScenario(text, file, overrides);
  const policies = [...new Set(policyPaths(scenario).map(({ module }) => module))].map((path) => ({ path: relative(process.cwd(), path), sha256: createHash("sha256").update(readFileSync(path)).digest("hex") }));
  return { file, hash: createHash("sha256").update(bytes).digest("hex"), set: overrides.filter((o) => o.flag === "--set").map((o) => o.text), scenario, policies };
}

/** Every policy module the scenario names (ShareGuard's `policy`, the scheduler's `debtPolicy` and `sharePolicy`), where it sits, and the block that names it. */
function policyPaths(sc: Scenario): Array<{ module: string; path: (string | number)[]; set: (absolute: string) => void }> {
  const out: Array<{ module: string; path: (string | number)[]; set: (absolute: string) => void }> = [];
  const visit = (at: (string | number)[], sg: { policy?: string } | undefined, sched: { debtPolicy?: string; sharePolicy?: string } | undefined) => {
    if (sg?.policy !== undefined) out.push({ module: sg.policy, path: [...at, "shareguard", "policy"], set: (p) => (sg.policy = p) });
    if (sched?.debtPolicy !== undefined) out.push({ module: sched.debtPolicy, path: [...at, "scheduler", "debtPolicy"], set: (p) => (sched.debtPolicy = p) });
    if (sched?.sharePolicy !== undefined) out.push({ module: sched.sharePolicy, path: [...at, "scheduler", "sharePolicy"], set: (p) => (sched.sharePolicy = p) });
  };
  visit([], sc.shareguard, sc.scheduler);
  sc.variants?.forEach((v, i) => visit(["variants", i], v.shareguard, v.scheduler));
  return out;
}

/**
 * Parses and validates scenario text, with `overrides` (`--set` flags) applied to the
 * document first; throws UsageError listing every problem. A problem at or under a path
 * an override set is the flag's, and is reported against it rather than the file.
 */
export function parseScenario(text: string, file = "<scenario>", overrides: Override[] = []): Scenario {
  if (text.trim() === "") throw new UsageError([`${file}:1:1: file is empty; a scenario needs at least name, profile, duration and domains`]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number, path: string, message: string): string => {
    const { line, col } = lineCounter.linePos(offset);
    return formatDiagnostic({ file, line, col, path, message });
  };
  if (doc.errors.length > 0) {
    throw new UsageError(doc.errors.map((e) => at(e.pos[0], "", e.message.split("\n")[0])));
  }
  // A mapping or list as a key (`{ a: 1 }: x`, or an alias of one: `*a: x`) would be
  // turned into a string, with a warning on stderr.
  const collectionKeys: string[] = [];
  visit(doc, {
    Pair: (_, pair) => {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (isCollection(key)) collectionKeys.push(at(rangeStart(pair.key), "", "a key must be a single word or value, not a mapping or a list"));
    },
  });
  if (collectionKeys.length > 0) throw new UsageError(collectionKeys);
  const setPaths: Array<{ flag: string; path: (string | number)[] }> = [];
  const flagProblems: string[] = [];
  for (const o of overrides) {
    try {
      setPaths.push({ flag: `${o.flag} ${o.text}`, path: applyOverride(doc, o) });
    } catch (e) {
      if (!(e instanceof OverrideError)) throw e;
      // A path that cannot be followed is the same problem for every value a sweep gives it.
      const named = o.flag === "--sweep" ? o.path : o.text;
      flagProblems.push(`${file}: ${o.flag} ${named}: ${e.message}`);
    }
  }
  if (flagProblems.length > 0) throw new UsageError(flagProblems);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new UsageError([at(0, "", `cannot expand the document: ${(e as Error).message}`)]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UsageError([at(doc.contents?.range?.[0] ?? 0, "", "a scenario is a mapping of keys (name:, profile:, domains: ...)")]);
  }
  const result = ScenarioSchema.safeParse(data);
  // A flag's problems are reported against the flag; so is a problem inside what it set,
  // or made on the way (a map it had to create).
  const flagOf = (l: { segments: (string | number)[] }) => setPaths.find((s) => within(l.segments, s.path));
  if (result.success) {
    // A policy module is named relative to the scenario file, as a reader of the file
    // would take it; the scenario carries its absolute path from here on.
    const base = file === "<scenario>" ? process.cwd() : dirname(resolve(file));
    const missing: string[] = [];
    for (const p of policyPaths(result.data)) {
      const absolute = resolve(base, p.module);
      p.set(absolute);
      const problem = policyFileProblem(absolute);
      if (problem === undefined) continue;
      const flag = flagOf({ segments: p.path });
      missing.push(flag ? `${file}: ${flag.flag}: ${formatPath(p.path)}: ${problem}` : at(rangeStart(doc.getIn(p.path, true)), formatPath(p.path), problem));
    }
    if (missing.length > 0) throw new UsageError(missing);
    return result.data;
  }
  // The flags' problems first, then the file's in file order, as an editor would list them.
  const located = result.error.issues.flatMap((issue) => locate(doc, issue));
  const flagsUsed = [...new Set(overrides.map((o) => o.flag))].join(" and ");
  const problems = [
    ...located.filter((l) => flagOf(l) !== undefined).map((l) => `${file}: ${flagOf(l)!.flag}: ${l.path}: ${l.message}`),
    ...located
      .filter((l) => flagOf(l) === undefined)
      .sort((a, b) => a.offset - b.offset)
      // The file may be fine on its own: say that the flags took part.
      .map(({ offset, path, message }) => at(offset, path, setPaths.length > 0 ? `${message} (with ${flagsUsed})` : message)),
  ];
  throw new UsageError(problems);
}

/** Whether `path` is `root` or lies inside it. */
function within(path: (string | number)[], root: (string | number)[]): boolean {
  return path.length >= root.length && root.every((seg, i) => path[i] === seg);
}

type Located = { offset: number; path: string; segments: (string | number)[]; message: string };

/** Maps a zod issue to the YAML node it concerns (or its nearest existing parent). */
function locate(doc: Document, issue: z.core.$ZodIssue): Located[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const parent = doc.getIn(path, true);
    return issue.keys.map((key) => {
      let offset = rangeStart(parent);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === key);
        if (pair && isNode(pair.key)) offset = pair.key.range?.[0] ?? offset;
      }
      return { offset, path: formatPath([...path, key]), segments: [...path, key], message: `unknown key "${key}"${suggest(key)}` };
    });
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node)) {
      // The node the issue is about does not exist: the key is missing.
      const missing = n < path.length && (issue.code === "invalid_type" || issue.code === "invalid_union" || issue.code === "invalid_value");
      // A missing key that takes one of a few values says which.
      const message = !missing ? friendly(issue.message) : issue.code === "invalid_value" ? `required key is missing; ${friendly(issue.message)}` : "required key is missing";
      return [{ offset: rangeStart(node), path: formatPath(path), segments: path, message }];
    }
  }
  return [{ offset: 0, path: formatPath(path), segments: path, message: friendly(issue.message) }];
}

/** zod's messages in the words the rest of the loader uses. */
function friendly(message: string): string {
  return message
    .replace(/^Invalid input: expected /, "expected ")
    .replace(/^Invalid option: expected one of /, "expected one of ")
    .replace(/^Invalid discriminator value\. Expected /, "expected type ")
    .replace(/^expected int, received number$/, "expected a whole number")
    .replace(/^expected (\w+), received (\w+)$/, (_, want: string, got: string) => `expected ${yamlKind(want)}, got ${yamlKind(got)}`)
    .replace(/^Too small: expected \w+ to have >=1 \w+$/, "must not be empty")
    .replace(/^Too small: expected \w+ to have >=(\d+) (\w+)$/, "must have at least $1 $2")
    .replace(/^Too big: expected \w+ to have <=(\d+) (\w+)$/, "must have at most $1 $2")
    .replace(/^Too small: expected \w+ to be >=(.+)$/, "must be at least $1")
    .replace(/^Too small: expected \w+ to be >(.+)$/, "must be more than $1")
    .replace(/^Too big: expected \w+ to be <=(.+)$/, "must be at most $1")
    .replace(/^Too big: expected \w+ to be <(.+)$/, "must be less than $1");
}

/** A JavaScript type as a YAML writer would name it. */
function yamlKind(type: string): string {
  const names: Record<string, string> = { object: "a mapping (key: value)", array: "a list", null: "nothing", undefined: "nothing", boolean: "true or false" };
  return names[type] ?? `a ${type}`;
}

function rangeStart(node: unknown): number {
  return isNode(node) ? (node.range?.[0] ?? 0) : 0;
}

/** "did you mean" for a typo'd key, from every key the schema knows. */
function suggest(key: string): string {
  return didYouMean(key, knownKeys());
}

/** ` (did you mean "…"?)` for the candidate nearest to a typo'd `word`, or "" if none is near. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best = "";
  // Short words get no guess ("a" is one letter from "x"), longer ones up to two edits.
  let bestDistance = Math.min(2, Math.floor(word.length / 3)) + 1;
  for (const k of candidates) {
    // A word known elsewhere but not here is no typo of itself.
    if (k === word) continue;
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

/**
 * A problem with the value at `path` of a scenario file, found after it was validated:
 * `file:line:col path: message`, or `file: path: message` where the file does not have
 * that value (a `--set` flag gave it).
 */
export function diagnosticAt(file: string, path: (string | number)[], message: string): string {
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter });
    const node = doc.getIn(path, true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return formatDiagnostic({ file, line, col, path: formatPath(path), message });
    }
  } catch {
    // Unreadable now: say where without the position.
  }
  return `${file}: ${formatPath(path)}: ${message}`;
}

let keyCache: Set<string> | undefined;
function knownKeys(): Set<string> {
  if (keyCache) return keyCache;
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const props = (node as { properties?: Record<string, unknown> }).properties;
    if (props) for (const k of Object.keys(props)) keys.add(k);
    for (const v of Object.values(node)) walk(v);
  };
  walk(scenarioJsonSchema());
  keyCache = keys;
  return keys;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
