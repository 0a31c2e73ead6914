// The paper's ShareGuard rule (§5.1) as a policy module: a guest whose use of its IDD
// over the last interval t exceeded its limit is cut off for t_def, the smallest whole
// number of intervals with used · t / (t + t_def) ≤ limit. No new cut while one is in
// progress. Run with it, a column gives the built-in ShareGuard's numbers to the bit
// (test/policy.test.ts), so it is the starting point for a rule of your own.
//
// shareguard: { enabled: true, interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/shareguard.mjs }

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function shareGuard({ interval, limits }) {
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate({ guests }) {
      const actions = [];
      for (const [guest, limit] of Object.entries(limits)) {
        const { idd, cut } = guests[guest];
        if (cut || idd <= limit) continue;
        actions.push({ guest, cut: interval * Math.ceil(idd / limit - 1 - 1e-9) });
      }
      return actions;
    },
  };
}
