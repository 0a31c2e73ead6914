// SEDF-DC's feedback rule (paper §4.1) as a debt policy module: every feedback interval,
// each guest takes on as debt all of XenMon's estimate of the IDD time spent for it.
// Run with it, a column gives the built-in SEDF-DC's numbers to the bit
// (test/policy.test.ts), so it is the starting point for a rule of your own.
//
// scheduler: { type: sedf-dc, debtPolicy: ../policies/sedf-dc.mjs }

/** @param {import("../../dist/model/debt-policy.js").DebtPolicyContext} context */
export default function sedfDc({ interval }) {
  return {
    /** @param {import("../../dist/model/debt-policy.js").DebtReading} reading */
    evaluate({ guests }) {
      return Object.entries(guests)
        .filter(([, g]) => g.idd > 0)
        .map(([guest, g]) => ({ guest, debt: g.idd * interval }));
    },
  };
}
