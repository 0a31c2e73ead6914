import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseScenario, UsageError } from "../src/scenario/load.js";
import { OverrideError, parseOverride } from "../src/scenario/overrides.js";
import { parseSweep, sweepPoints } from "../src/scenario/sweep.js";

// The paper's scenarios, two studies for the variant keys they use (workloads:, xenmon:),
// three for the credit scheduler's (cpu: any; cpuTypes:; pools:), one for closed-loop clients,
// one for a second net-IDD (netIdds:) and two for disk workloads (the second with CFQ).
const sources = ["sedf-dc", "shareguard", "udp-recv", "studies/table2-bulk", "studies/xenmon-weight", "studies/credit-smp", "studies/credit-table2", "studies/credit-pools", "studies/table2-closed", "studies/table2-own-idd", "studies/disk-contention", "studies/disk-fairness", "studies/vif-rate"].map((n) =>
  readFileSync(`scenarios/${n}.yaml`, "utf8"),
);

/** A random edit of a scenario text: delete, duplicate, swap or overwrite a piece. */
const mutation = fc.record({
  source: fc.integer({ min: 0, max: sources.length - 1 }),
  at: fc.nat(),
  length: fc.integer({ min: 0, max: 40 }),
  kind: fc.constantFrom("delete", "insert", "replace", "duplicate-line", "swap-lines"),
  text: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("-1", "0", "1e309", "NaN", "null", "~", "[]", "{}", "&a", "*a", "'", '"', ":", "- ", "\t", "\n  ", "100%", "0ms", "9999999s", "Domain-0", "type: web", "netIdd: Domain-4", "clients: 3", "type: disk", "depth: 0", "blockWeight: -1", "elevator: cfq", "ioPriority: 8", "pools: [[0], [0]]", "[[1, 0]]", "\u0000", "\uFFFF", "\n[1]: x\n", "\n{ a: 1 }: x\n"),
  ),
});

function mutate(m: { source: number; at: number; length: number; kind: string; text: string }): string {
  const s = sources[m.source];
  const at = m.at % (s.length + 1);
  const lines = s.split("\n");
  const li = m.at % lines.length;
  switch (m.kind) {
    case "delete":
      return s.slice(0, at) + s.slice(at + m.length);
    case "insert":
      return s.slice(0, at) + m.text + s.slice(at);
    case "replace":
      return s.slice(0, at) + m.text + s.slice(at + m.length);
    case "duplicate-line":
      return [...lines.slice(0, li + 1), lines[li], ...lines.slice(li + 1)].join("\n");
    default: {
      const lj = (li + 1 + (m.length % (lines.length - 1))) % lines.length;
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      return lines.join("\n");
    }
  }
}

describe("scenario loader fuzzing", () => {
  // Nothing the loader does may print to stderr behind the user's back (a YAML warning, say).
  const warnings = vi.spyOn(process, "emitWarning");
  afterAll(() => {
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
  });

  it("either accepts a mutated scenario or rejects it with located messages — never anything else", () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const text = mutate(m);
        try {
          parseScenario(text, "f.yaml");
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          const diagnostics = (e as UsageError).diagnostics;
          expect(diagnostics.length).toBeGreaterThan(0);
          for (const d of diagnostics) {
            expect(d).toMatch(/^f\.yaml:\d+:\d+[ :]/);
            // In the loader's own words, not zod's ("Too small: expected array to have >=1 items").
            expect(d).not.toMatch(/Too (small|big): expected|Invalid input: expected|received \w+$/);
          }
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  /** A `--set` flag from pieces of real paths and values, often wrong. */
  const flag = fc
    .tuple(
      fc.array(fc.constantFrom("domains", "variants", "Domain-0", "Domain-3", "Baseline", "0", "3", "9", "[With ShareGuard]", "workload", "share", "window", "shareguard", "limits", "host", "web", "maxClients", "runs", "name", "x", "", "[", "]"), { minLength: 1, maxLength: 5 }),
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("1MB", "30%", "-1", "null", "~", "[]", "{}", "{ type: bulk }", "{", "'", "10ms", "true", "*a")),
    )
    .map(([segments, value]) => `${segments.join(".").replace(/\.\[/g, "[")}=${value}`);

  it("either applies --set flags or rejects them with the flag named — never anything else", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.array(flag, { minLength: 1, maxLength: 3 }), (source, texts) => {
        let overrides;
        try {
          overrides = texts.map(parseOverride);
        } catch (e) {
          expect(e).toBeInstanceOf(OverrideError);
          expect((e as Error).message).toMatch(/^--set/);
          return;
        }
        try {
          parseScenario(sources[source], "f.yaml", overrides);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          for (const d of (e as UsageError).diagnostics) {
            expect(d).toMatch(/^f\.yaml(:\d+:\d+ .* \(with --set\)|: --set .+: .+)$/);
            expect(d).not.toMatch(/Too (small|big): expected|Invalid input: expected|received \w+$/);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("either parses --sweep flags and loads every point or rejects them with the flag named", () => {
    const sweepFlag = fc
      .tuple(flag, fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("2MB", "5%", "", "[1, 2]", "{ a: 1 }", "'x,y'", "*a")), { maxLength: 3 }))
      .map(([text, more]) => [text, ...more].join(","));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), sweepFlag, (source, text) => {
        let sweep;
        try {
          sweep = parseSweep(text);
        } catch (e) {
          expect(e).toBeInstanceOf(OverrideError);
          expect((e as Error).message).toMatch(/^--sweep/);
          return;
        }
        for (const point of sweepPoints([sweep])) {
          try {
            parseScenario(sources[source], "f.yaml", point.overrides);
          } catch (e) {
            expect(e).toBeInstanceOf(UsageError);
            for (const d of (e as UsageError).diagnostics) expect(d).toMatch(/^f\.yaml(:\d+:\d+ .* \(with --sweep\)|: --sweep .+: .+)$/);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
