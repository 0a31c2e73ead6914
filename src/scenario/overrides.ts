import { isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from "yaml";

/**
 * One `--set PATH=VALUE` flag: a change to a scenario made on the command line, applied to
 * the YAML document before it is validated, so a value is read exactly as it would be in
 * the file (`1MB`, `22%`, `{ type: bulk, window: 1MB }`).
 *
 * PATH is keys joined by dots. In a list, an item is named by its `name:`
 * (`domains.Domain-3.share`) or by its index; `[...]` takes a name with dots or spaces in
 * it (`variants[Xen 3.0 unblock].scheduler.unblock`).
 */
export interface Override {
  /** Which option made it: `--set`, one point of a `--sweep` (src/scenario/sweep.ts), or one probe of `search --vary`. */
  flag: "--set" | "--sweep" | "--vary";
  /** The flag's argument, `PATH=VALUE`, for messages and for the result's provenance. */
  text: string;
  /** PATH as written. */
  path: string;
  /** PATH as segments, list items still by name or index as written. */
  segments: string[];
  /** VALUE as a YAML node. */
  value: Node;
}

/** What is wrong with a `--set` flag, in the words of its message. */
export class OverrideError extends Error {}

/** Parses a `--set` flag's text; throws OverrideError if it is malformed. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  if (eq < 0) throw new OverrideError("--set takes PATH=VALUE, e.g. domains.Domain-1.share=30%");
  const path = text.slice(0, eq);
  return { flag: "--set", text, path, segments: splitPath(path, "--set"), value: parseValue(text.slice(eq + 1), "--set") };
}

/** A flag's VALUE as a YAML node; `flag` names the option in messages. */
export function parseValue(text: string, flag: string): Node {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new OverrideError(`${flag}: the value is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  if (doc.contents === null) throw new OverrideError(`${flag}: the value is empty`);
  // An alias would be resolved against the scenario's anchors, which the flag cannot see.
  let alias = false;
  visit(doc, { Alias: () => void (alias = true) });
  if (alias) throw new OverrideError(`${flag}: the value may not use a YAML alias (*name)`);
  return doc.contents as Node;
}

/** A flag's PATH as segments; `flag` names the option in messages. */
export function splitPath(path: string, flag: string): string[] {
  const segments: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) throw new OverrideError(`${flag}: "[" without "]" in the path`);
      segments.push(path.slice(i + 1, close));
      i = close + 1;
      if (i < path.length && path[i] !== "." && path[i] !== "[") throw new OverrideError(`${flag}: expected "." or "[" after "]" in the path`);
      if (path[i] === ".") i++;
      continue;
    }
    let end = i;
    while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
    segments.push(path.slice(i, end));
    i = path[end] === "." ? end + 1 : end;
    if (path[end] === "." && i === path.length) segments.push("");
  }
  if (segments.length === 0 || segments.some((s) => s.trim() === "")) throw new OverrideError(`${flag}: the path has an empty key; keys are joined by dots, e.g. domains.Domain-1.share`);
  return segments;
}

/**
 * Applies `o` to `doc`. Maps missing on the way are created; a list item must exist.
 * Returns the part of the document the flag made: the node it set, or the first map it
 * had to create on the way, as a path with list items as indices (the paths validation
 * reports problems at). Throws OverrideError when the path cannot be followed.
 */
export function applyOverride(doc: Document, o: Override): (string | number)[] {
  const path: (string | number)[] = [];
  let made: number | undefined;
  let node: unknown = doc.contents;
  for (const seg of o.segments) {
    if (node === undefined && made === undefined) made = path.length;
    if (isSeq(node)) {
      const index = /^\d+$/.test(seg) ? Number(seg) : node.items.findIndex((item) => isMap(item) && item.get("name") === seg);
      if (index < 0 || index >= node.items.length) {
        const names = node.items.map((item) => (isMap(item) ? item.get("name") : undefined)).filter((n) => typeof n === "string");
        const known = names.length > 0 ? `its items are ${names.map((n) => `"${n}"`).join(", ")}` : `it has ${node.items.length} items`;
        throw new OverrideError(`${describe(path)} has no item ${/^\d+$/.test(seg) ? seg : `named "${seg}"`}: ${known}`);
      }
      path.push(index);
      node = node.items[index];
    } else if (isMap(node) || node === undefined || node === null) {
      path.push(seg);
      node = isMap(node) ? node.get(seg, true) : undefined;
    } else {
      throw new OverrideError(`${describe(path)} is ${isScalar(node) ? "a single value" : "not a mapping"}, so it has no key "${seg}"`);
    }
  }
  doc.setIn(path, o.value.clone());
  return made === undefined ? path : path.slice(0, made);
}

function describe(path: (string | number)[]): string {
  return path.length === 0 ? "the scenario" : formatPath(path);
}

/** A path as messages print it: `domains[3].workload.window`. */
export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
