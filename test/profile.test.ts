import { describe, expect, it } from "vitest";
import { hostRows } from "../src/cli/profile.js";
import { hostProfile } from "../src/model/host-profile.js";
import { PROFILES } from "../src/profiles/profiles.js";
import { parseScenario } from "../src/scenario/load.js";
import { parseOverride } from "../src/scenario/overrides.js";
import { UDP_SCENARIO } from "./helpers/scenario.js";

describe("xeniso profile", () => {
  it("writes every settable value so that a scenario's host: block reads it back exactly", () => {
    for (const name of Object.keys(PROFILES)) {
      const profile = PROFILES[name];
      const settable = hostRows(profile).filter((r) => r.key.startsWith("host."));
      expect(settable.length).toBe(31);
      const sets = settable.map((r) => parseOverride(`${r.key}=${r.value}`));
      const sc = parseScenario(UDP_SCENARIO.replace("profile: system-1", `profile: ${name}`), "s.yaml", sets);
      const read = hostProfile(sc);
      for (const r of settable) {
        const path = r.key.split(".").slice(1);
        const value = (o: unknown) => path.reduce((x, k) => (x as Record<string, unknown>)[k], o) as { value: number };
        expect(value(read).value, `${name} ${r.key}`).toBe(value(profile).value);
      }
    }
  });
});
