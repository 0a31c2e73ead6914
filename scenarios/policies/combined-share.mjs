// SEDF-DC's aim reached from outside the hypervisor: every feedback interval, each
// guest named in `caps` gets as its own CPU share its cap less what XenMon saw its
// net-IDD spend for it over the last interval, so that its own CPU and its IDD's work
// for it together stay near the cap. This is what an operator's tool could do with
// `xm sched-sedf` on a stock Xen, where SEDF-DC (§4.1) changes the scheduler itself:
// it acts once per interval instead of in every period, and on the share, not a debt.
//
// scheduler: { type: sedf, sharePolicy: ../policies/combined-share.mjs, shareOptions: { caps: { Domain-1: 0.22 } } }

/** @param {import("../../dist/model/share-policy.js").SharePolicyContext} context */
export default function combinedShare({ options, domains }) {
  const caps = options?.caps;
  if (typeof caps !== "object" || caps === null || Object.keys(caps).length === 0) throw new Error("options.caps must give a cap per guest, e.g. { Domain-1: 0.22 }");
  for (const [name, cap] of Object.entries(caps)) {
    if (!(name in domains) || domains[name].idd) throw new Error(`options.caps: ${name} is not a guest of this scenario`);
    if (typeof cap !== "number" || !(cap > 0 && cap <= 1)) throw new Error(`options.caps.${name} must be a share of a CPU, e.g. 0.22`);
  }
  return {
    /** @param {import("../../dist/model/share-policy.js").ShareReading} reading */
    evaluate({ domains: seen }) {
      return Object.entries(caps).map(([domain, cap]) => ({ domain, share: Math.max(0, cap - seen[domain].idd) }));
    },
  };
}
