// SEDF-DC with an I/O allowance: the first `free` of a CPU a guest causes in its IDD is
// part of its reservation's price and not charged back; only the rest becomes debt. A
// guest then gets its share plus up to `free` of the IDD's time on its behalf: an SLA
// that includes some I/O. free: 0 is the paper's rule.
//
// scheduler: { type: sedf-dc, debtPolicy: ../policies/debt-allowance.mjs, debtOptions: { free: 0.05 } }

/** @param {import("../../dist/model/debt-policy.js").DebtPolicyContext} context */
export default function debtAllowance({ interval, options }) {
  const free = options?.free;
  if (typeof free !== "number" || !(free >= 0 && free <= 1)) throw new Error("options.free must be a share of a CPU, e.g. 0.05");
  return {
    /** @param {import("../../dist/model/debt-policy.js").DebtReading} reading */
    evaluate({ guests }) {
      return Object.entries(guests)
        .filter(([, g]) => g.idd > free)
        .map(([guest, g]) => ({ guest, debt: (g.idd - free) * interval }));
    },
  };
}
