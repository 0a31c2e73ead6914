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
// shareguard: { interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/vif-rate.mjs }
// options: { floor: 10000, fallback: cut }   # the lowest rate it sets, bytes/s (default
//                                            # 10 KB/s); cut or none (the default)

import shareGuard from "./shareguard.mjs";

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function vifRate({ interval, limits, options }) {
  const floor = options?.floor ?? 10_000;
  // Netback takes at least 1 byte of credit per interval: 20 bytes/s at the default 50 ms.
  if (typeof floor !== "number" || !(floor >= 20)) throw new Error("options.floor must be a rate in bytes/s of at least 20 (1 byte of credit per 50 ms)");
  const fallback = options?.fallback ?? "none";
  if (fallback !== "none" && fallback !== "cut") throw new Error(`options.fallback must be cut or none, not ${JSON.stringify(fallback)}`);
  const paperRule = shareGuard({ interval, limits });
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate(reading) {
      const actions = [];
      const cuts = fallback === "cut" ? paperRule.evaluate(reading) : [];
      for (const [guest, limit] of Object.entries(limits)) {
        const { idd, sentBytes, vifRate } = reading.guests[guest];
        const unholdable = sentBytes === 0 || (vifRate !== null && vifRate <= floor);
        if (idd > limit && unholdable && fallback === "cut") {
          actions.push(...cuts.filter((a) => a.guest === guest));
          continue;
        }
        // Unlimited and within its limit: nothing to do. Quiet: no price to go by, so the rate stands.
        if ((vifRate === null && idd <= limit) || sentBytes === 0 || idd === 0) continue;
        actions.push({ guest, vifRate: Math.max(floor, ((sentBytes / interval) * limit) / idd) });
      }
      return actions;
    },
  };
}
