import { parseScenario, UsageError } from "../../src/scenario/load.js";
import type { Override } from "../../src/scenario/overrides.js";

/** A small valid scenario for loader tests: Domain-0 as the IDD, Domain-1 receiving UDP. */
export const UDP_SCENARIO = `name: t
profile: system-1
duration: 2s
domains:
  - name: Domain-0
    idd: true
    share: 40%
  - name: Domain-1
    share: 50%
    workload: { type: udp, direction: recv, rate: 1000, size: 256B }
`;

/** The diagnostics a scenario text is rejected with (as file "s.yaml"); fails if it is accepted. */
export function problems(text: string, overrides: Override[] = []): string[] {
  try {
    parseScenario(text, "s.yaml", overrides);
  } catch (e) {
    if (e instanceof UsageError) return e.diagnostics;
    throw e;
  }
  throw new Error("expected the scenario to be rejected");
}
