// ShareGuard's measurement with netback's rate limit as its action (beyond the paper):
// every interval, a limited guest over its limit, or already rate-limited, gets the vif
// rate that would have cost its net-IDD exactly its limit over the interval just ended.
// That is the bytes it sent, scaled by limit / idd: XenMon's estimate prices each byte
// the guest sent, whatever the packets' size and whatever the receive work (a TCP
// sender's ACKs, a receiver's data) that comes with them. Nothing is dropped: netback
// leaves what the credit does not cover in the guest's ring, and the guest's own stack
// waits. Netback limits only what a guest sends, so a guest whose IDD work is mostly
// what it receives is held only as far as its own packets pace what it receives (a TCP
// receiver's ACKs do; a UDP receiver has none).
//
// With `fallback: cut`, a guest over its limit that no rate can hold (it sent nothing,
// or its rate is already at the floor) is cut by the paper's rule instead, which
// drops what it receives too.
//
// With `repay: true`, what a guest took over its limit is made up afterwards, as
// ShareGuard's t_def makes it up by a longer cut: the module keeps each guest's
// overshoot, the running sum of idd − limit over the intervals, held at 0 when the guest
// has nothing to make up (so time under the limit is not banked), and aims the next
// interval at limit − overshoot, at the floor while that is 0 or less. A transfer first
// seen at 30 % against 5 % is held at the floor for about five intervals (25 points to
// make up, 5 an interval), as ShareGuard's 2.5 s cut would hold it. An interval that
// draws the fallback's cut is made up by the cut and not owed as well.
//
// shareguard: { interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/vif-rate.mjs }
// options: { floor: 10000, fallback: cut, repay: true }
//   floor: the lowest rate it sets, bytes/s (default 10 KB/s)
//   fallback: cut or none (the default)
//   repay: true or false (the default)

import shareGuard from "./shareguard.mjs";

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function vifRate({ interval, limits, options }) {
  const floor = options?.floor ?? 10_000;
  // Netback takes at least 1 byte of credit per interval: 20 bytes/s at the default 50 ms.
  if (typeof floor !== "number" || !(floor >= 20)) throw new Error("options.floor must be a rate in bytes/s of at least 20 (1 byte of credit per 50 ms)");
  const fallback = options?.fallback ?? "none";
  if (fallback !== "none" && fallback !== "cut") throw new Error(`options.fallback must be cut or none, not ${JSON.stringify(fallback)}`);
  const repay = options?.repay ?? false;
  if (typeof repay !== "boolean") throw new Error(`options.repay must be true or false, not ${JSON.stringify(repay)}`);
  const paperRule = shareGuard({ interval, limits });
  /** Per guest, the share of an interval taken over its limit and not yet made up (repay only). */
  const overshoot = Object.fromEntries(Object.keys(limits).map((guest) => [guest, 0]));
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate(reading) {
      const actions = [];
      const cuts = fallback === "cut" ? paperRule.evaluate(reading) : [];
      for (const [guest, limit] of Object.entries(limits)) {
        const { idd, sentBytes, vifRate } = reading.guests[guest];
        const unholdable = sentBytes === 0 || (vifRate !== null && vifRate <= floor);
        if (idd > limit && unholdable && fallback === "cut") {
          // The cut's length makes up this interval's overshoot, so it is not owed as well.
          actions.push(...cuts.filter((a) => a.guest === guest));
          continue;
        }
        if (repay) overshoot[guest] = Math.max(0, overshoot[guest] + idd - limit);
        // What the next interval may take: the limit, less what is still owed.
        const target = repay ? limit - overshoot[guest] : limit;
        // Unlimited and within its limit: nothing to do. Quiet: no price to go by, so the rate stands.
        if ((vifRate === null && idd <= limit) || sentBytes === 0 || idd === 0) continue;
        actions.push({ guest, vifRate: Math.max(floor, ((sentBytes / interval) * Math.max(0, target)) / idd) });
      }
      return actions;
    },
  };
}
