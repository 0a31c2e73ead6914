import { describe, expect, it } from "vitest";
import { columnsOf, runScenario } from "../src/model/runner.js";
import { figuresOf } from "../src/report/figures.js";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";
import { problems } from "./helpers/scenario.js";

/** Two net-IDDs on CPU 0, each with a NIC of its own: Domain-0 serves the web server, Domain-4 the bulk upload. */
const TWO_IDDS = `name: two
profile: system-2
duration: 6s
window: { from: 2s, to: 6s }
domains:
  - { name: Domain-0, idd: true, cpu: 0, share: 60% }
  - { name: Domain-4, idd: true, cpu: 0, share: 30% }
  - { name: Web, cpu: 1, share: 40%, extratime: true, workload: { type: web, rate: 300, fileSize: 10KB } }
  - { name: Bulk, cpu: 1, share: 40%, extratime: true, netIdd: Domain-4, workload: { type: bulk } }
`;

function run(text: string) {
  const sim = new Simulation(parseScenario(text), 0, 1);
  const result = sim.execute();
  const metric = (key: string) => result.metrics.find((m) => m.key === key);
  return { sim, metric: (key: string) => metric(key)!.value, label: (key: string) => metric(key)!.label };
}

describe("several net-IDDs", () => {
  it("charge each IDD's CPU only to the guests it serves, and name it", () => {
    const { sim, metric, label } = run(TWO_IDDS);
    const [d0, d4, web, bulk] = sim.domains;
    // The guests' packets cross their own IDD only (ground truth, whole run).
    expect(d0.onBehalf[bulk.id]).toBe(0);
    expect(d4.onBehalf[web.id]).toBe(0);
    expect(d0.onBehalf[web.id]).toBeGreaterThan(0);
    expect(d4.onBehalf[bulk.id]).toBeGreaterThan(0);
    // XenMon hands each IDD's CPU to its own guests: all of Domain-4's to the upload, all of Domain-0's to the web server.
    expect(metric("Bulk.idd")).toBeCloseTo(metric("Domain-4.cpu"), 6);
    expect(metric("Web.idd")).toBeCloseTo(metric("Domain-0.cpu"), 6);
    expect([metric("Web.iddPart"), metric("Bulk.iddPart")]).toEqual([100, 100]);
    expect(label("Bulk.idd")).toBe("Domain-4 for Bulk (XenMon)");
    expect(label("Web.combined")).toBe("Web combined (own + Domain-0)");
    expect(label("net.nicDrops")).toBe("NIC ring drops (all NICs)");
    // The upload fills its IDD's 30 %; the web server keeps its rate.
    expect(metric("Domain-4.cpu")).toBeGreaterThan(29);
    expect(metric("Web.replyRate")).toBeCloseTo(300, -1);
  });

  it("give one IDD's guests the same service whatever another IDD's guests do", () => {
    const alone = run(TWO_IDDS.replace(", workload: { type: bulk } }", " }"));
    const busy = run(TWO_IDDS);
    expect(busy.metric("Web.replyRate")).toBeCloseTo(alone.metric("Web.replyRate"), 0);
    // Domain-0's work for the web server is the same packets at the same cost per packet.
    expect(busy.metric("Web.iddTrue")).toBeCloseTo(alone.metric("Web.iddTrue"), 0);
    expect(alone.metric("Domain-4.cpu")).toBe(0);
  });

  it("change nothing with an IDD that serves no one", () => {
    const one = TWO_IDDS.replace("  - { name: Domain-4, idd: true, cpu: 0, share: 30% }\n", "").replace(", netIdd: Domain-4", "");
    const two = TWO_IDDS.replace(", netIdd: Domain-4", "");
    const a = new Simulation(parseScenario(one), 0, 1).execute();
    const b = new Simulation(parseScenario(two), 0, 1).execute();
    expect(b.metrics.filter((m) => !m.key.startsWith("Domain-4.")).map((m) => [m.key, m.value])).toEqual(a.metrics.map((m) => [m.key, m.value]));
  });

  it("let ShareGuard limit a guest's use of its own IDD", () => {
    const { sim, metric } = run(TWO_IDDS + "shareguard: { limits: { Bulk: 5% } }\n");
    expect(sim.shareguard!.decisions.length).toBeGreaterThan(0);
    expect(sim.shareguard!.decisions.every((d) => d.domain === "Bulk")).toBe(true);
    expect(metric("Bulk.idd")).toBeLessThan(5.5);
    expect(metric("Bulk.shareguardCuts")).toBeGreaterThan(0);
    // Throttled instead, its packets are priced at its own IDD's cost per packet.
    const throttled = run(TWO_IDDS + "shareguard: { limits: { Bulk: 5% }, action: throttle }\n");
    expect(throttled.metric("Bulk.idd")).toBeLessThan(5.5);
    expect(throttled.metric("Bulk.idd")).toBeGreaterThan(3);
  });

  it("refuse a netIdd that names no IDD, or one given to an IDD, and check a limit against the guest's own IDD", () => {
    const edit = (from: string, to: string) => TWO_IDDS.replace(from, to);
    expect(problems(edit("netIdd: Domain-4", "netIdd: Domain-5"))).toEqual(['s.yaml:9:64 domains[3].netIdd: no domain is named "Domain-5"']);
    expect(problems(edit("netIdd: Domain-4", "netIdd: Web"))).toEqual(["s.yaml:9:64 domains[3].netIdd: Web is not a net-IDD: mark it idd: true, or name one that is"]);
    expect(problems(edit("idd: true, cpu: 0, share: 30%", "idd: true, cpu: 0, share: 30%, netIdd: Domain-0"))).toEqual([
      "s.yaml:7:62 domains[1].netIdd: a net-IDD drives its own NIC: netIdd is for guests",
    ]);
    // 40 % is below Domain-0's 60 % but not below Domain-4's 30 %, which serves Bulk.
    expect(problems(TWO_IDDS + "shareguard: { limits: { Bulk: 40% } }\n")).toEqual([
      "s.yaml:10:31 shareguard.limits.Bulk: a limit of 40% is not below the IDD's own share (30%): it could never bind",
    ]);
    expect(parseScenario(TWO_IDDS + "shareguard: { limits: { Web: 40% } }\n").shareguard?.limits).toEqual({ Web: 0.4 });
  });

  it("let a column move a guest to another IDD, checked like netIdd", async () => {
    const text = TWO_IDDS.replace(", netIdd: Domain-4", "") + "variants:\n  - { name: Shared }\n  - { name: Own, netIdds: { Bulk: Domain-4 } }\n";
    const [shared, own] = columnsOf(parseScenario(text)).map((c) => new Simulation(c.scenario, 0, 1));
    expect(shared.nets.map((n) => [...n.ports.values()].map((p) => p.guest.name))).toEqual([["Web", "Bulk"], []]);
    expect(own.nets.map((n) => [...n.ports.values()].map((p) => p.guest.name))).toEqual([["Web"], ["Bulk"]]);
    expect(problems(text.replace("Bulk: Domain-4", "Bulk: Web"))).toEqual(["s.yaml:12:35 variants[1].netIdds.Bulk: Web is not a net-IDD: mark it idd: true, or name one that is"]);
    expect(problems(text.replace("Bulk: Domain-4", "Nobody: Domain-4"))).toEqual(['s.yaml:12:37 variants[1].netIdds.Nobody: no domain is named "Nobody"']);
    // A column's limit is checked against the IDD that serves the guest in that column.
    const limited = text.replace("{ name: Own, netIdds", "{ name: Own, shareguard: { limits: { Bulk: 40% } }, netIdds");
    expect(problems(limited)).toEqual(["s.yaml:12:48 variants[1].shareguard.limits.Bulk: a limit of 40% is not below the IDD's own share (30%): it could never bind"]);
    // The result's rows name the IDD of every column.
    const result = await runScenario({ file: "s.yaml", hash: "", set: [], scenario: parseScenario(text.replace("duration: 6s", "duration: 1s").replace("from: 2s, to: 6s", "from: 0s, to: 1s")) }, { runs: 1, seed: 1 });
    const rows = result.tables.find((t) => t.id === "xenmon")!.rows;
    expect(rows.find((r) => r.label.startsWith("Domain-0 for Bulk (XenMon)"))?.label).toBe("Domain-0 for Bulk (XenMon) / Domain-4 for Bulk (XenMon)");
    // So do the figures: which IDD served whom.
    expect(result.figures!.columns.map((c) => c.idds)).toEqual([
      { Web: "Domain-0", Bulk: "Domain-0" },
      { Web: "Domain-0", Bulk: "Domain-4" },
    ]);
    const split = figuresOf(result).find((f) => f.file.endsWith("own-c-idd-split.svg"))!;
    expect(split.caption).toBe("Own (c): each net-IDD's CPU on behalf of the guests it serves (XenMon; Domain-0: Web; Domain-4: Bulk)");
  });
});
