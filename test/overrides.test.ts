import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/load.js";
import { OverrideError, parseOverride } from "../src/scenario/overrides.js";
import { columnsOf } from "../src/model/runner.js";
import { problems, UDP_SCENARIO } from "./helpers/scenario.js";
import { loadChecked } from "../src/cli/load.js";
import { UsageError } from "../src/scenario/load.js";

const BASE = `${UDP_SCENARIO}variants:
  - { name: A }
  - { name: Xen 3.0 order, netbackOrder: xen3 }
`;

const withSets = (...sets: string[]) => parseScenario(BASE, "s.yaml", sets.map(parseOverride));
const problemsWith = (...sets: string[]) => problems(BASE, sets.map(parseOverride));

describe("--set", () => {
  it("refuses a flag that changes the file but no column: a key every variant sets itself", () => {
    const load = (...sets: string[]) => () => loadChecked("scenarios/sedf-dc.yaml", sets.map(parseOverride));
    const diagnostics = (...sets: string[]) => {
      try {
        load(...sets)();
      } catch (e) {
        if (e instanceof UsageError) return e.diagnostics;
        throw e;
      }
      return [];
    };
    expect(diagnostics("runs=2", "scheduler.type=credit")).toEqual([
      "scenarios/sedf-dc.yaml: --set scheduler.type=credit: changes no column (does each variant set this key itself? then set it under variants[...])",
    ]);
    // What the file already has changes nothing and is harmless; the variant's own key works.
    expect(load("runs=10", "variants[SEDF-DC].scheduler.type=credit-dc")().scenario.variants![1].scheduler!.type).toBe("credit-dc");
  });

  it("reads the value as the file would, units and all", () => {
    const sc = withSets("duration=5s", "runs=3", "domains.Domain-1.share=30%", "domains.1.workload.rate=2k/s");
    expect(sc.duration).toBe(5e9);
    expect(sc.runs).toBe(3);
    expect(sc.domains[1].share).toBeCloseTo(0.3);
    expect(sc.domains[1].workload).toMatchObject({ type: "udp", rate: 2000, size: 256 });
  });

  it("takes a whole mapping, and creates the maps on its way", () => {
    const sc = withSets("domains.Domain-1.workload={ type: bulk, window: 1MB }", "host.nicRxRing=64");
    expect(sc.domains[1].workload).toEqual({ type: "bulk", direction: "send", window: 1_048_576, start: 0, cpuPerSegment: 0 });
    expect(sc.host?.nicRxRing).toBe(64);
  });

  it("names list items by name, by index, or in brackets when the name has dots or spaces", () => {
    const sc = withSets("variants[Xen 3.0 order].netbackOrder=round-robin", "variants[0].netbackOrder=fifo");
    expect(columnsOf(sc).map((c) => c.scenario.netbackOrder)).toEqual(["fifo", "round-robin"]);
  });

  it("puts a problem inside what the flag set on the flag, not on the file", () => {
    expect(problemsWith("domains.Domain-1.workload.size=1")).toEqual(["s.yaml: --set domains.Domain-1.workload.size=1: domains[1].workload.size: must be at least 64B and at most 1500B"]);
    expect(problemsWith("domains.Domain-1.workload.sise=1KB")).toEqual(['s.yaml: --set domains.Domain-1.workload.sise=1KB: domains[1].workload.sise: unknown key "sise" (did you mean "size"?)']);
    // A map the flag had to create is the flag's too.
    expect(problemsWith("variants.A.shareguard.enabled=true")).toEqual(["s.yaml: --set variants.A.shareguard.enabled=true: variants[0].shareguard.limits: required key is missing"]);
  });

  it("locates a problem elsewhere in the file, and says the flags took part", () => {
    expect(problemsWith("domains.Domain-1.share=70%")).toEqual(["s.yaml:5:5 domains[0].cpu: reservations on CPU 0 add up to 110%: more than the CPU has (100%) (with --set)"]);
  });

  it("says where a path cannot be followed", () => {
    expect(problemsWith("domains.Domain-7.share=10%")).toEqual(['s.yaml: --set domains.Domain-7.share=10%: domains has no item named "Domain-7": its items are "Domain-0", "Domain-1"']);
    expect(problemsWith("domains.5.share=10%")).toEqual(['s.yaml: --set domains.5.share=10%: domains has no item 5: its items are "Domain-0", "Domain-1"']);
    expect(problemsWith("name.first=x")).toEqual(['s.yaml: --set name.first=x: name is a single value, so it has no key "first"']);
  });

  it("refuses a malformed flag before any file is read", () => {
    const message = (text: string) => {
      try {
        parseOverride(text);
      } catch (e) {
        if (e instanceof OverrideError) return e.message;
        throw e;
      }
      throw new Error("expected the flag to be refused");
    };
    expect(message("runs")).toBe("--set takes PATH=VALUE, e.g. domains.Domain-1.share=30%");
    expect(message("runs=")).toBe("--set: the value is empty");
    expect(message("runs={")).toMatch(/^--set: the value is not valid YAML: /);
    expect(message("domains..share=1")).toMatch(/^--set: the path has an empty key/);
    expect(message("=1")).toMatch(/^--set: the path has an empty key/);
    expect(message("variants[A.x=1")).toBe('--set: "[" without "]" in the path');
    expect(message("variants[A]x=1")).toBe('--set: expected "." or "[" after "]" in the path');
    // Found by the fuzz test: an alias would be looked up among the file's anchors.
    expect(message("domains=*a")).toBe("--set: the value may not use a YAML alias (*name)");
  });

  it("leaves a scenario without flags exactly as the file gives it", () => {
    expect(withSets()).toEqual(parseScenario(BASE, "s.yaml"));
  });
});
