// A work-conserving throttle: a limited guest may always cause its limit of IDD time,
// and beyond it whatever the unlimited guests of the same IDD leave of `busy` (a share
// of a CPU in the IDD, set below the IDD's cap so that the others keep headroom), split
// evenly among that IDD's limited guests. The others' use over the last interval stands
// for their use over the next. At Table 2's load the others leave almost nothing and
// this is ShareGuard's throttle; at a light load the limited guest gets the IDD's slack.
//
// shareguard: { interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/slack-throttle.mjs, options: { busy: 0.55 } }

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function slackThrottle({ limits, options }) {
  const busy = options?.busy;
  if (typeof busy !== "number" || !(busy > 0 && busy <= 1)) throw new Error("options.busy must be a share of a CPU, e.g. 0.55 (for an IDD capped at 60 %)");
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate({ guests }) {
      // Per IDD: what its unlimited guests took, and how many limited guests share the rest.
      const others = {};
      const limited = {};
      for (const [name, g] of Object.entries(guests)) {
        if (name in limits) limited[g.iddName] = (limited[g.iddName] ?? 0) + 1;
        else others[g.iddName] = (others[g.iddName] ?? 0) + g.idd;
      }
      return Object.keys(limits).map((guest) => {
        const idd = guests[guest].iddName;
        const slack = Math.max(0, busy - (others[idd] ?? 0)) / limited[idd];
        return { guest, throttle: Math.min(1, Math.max(limits[guest], slack)) };
      });
    },
  };
}
