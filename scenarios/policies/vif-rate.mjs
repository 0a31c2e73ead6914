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
// shareguard: { interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/vif-rate.mjs }
// options: { floor: 10000 }   # the lowest rate it sets, bytes/s (default 10 KB/s)

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function vifRate({ interval, limits, options }) {
  const floor = options?.floor ?? 10_000;
  // Netback takes at least 1 byte of credit per interval: 20 bytes/s at the default 50 ms.
  if (typeof floor !== "number" || !(floor >= 20)) throw new Error("options.floor must be a rate in bytes/s of at least 20 (1 byte of credit per 50 ms)");
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate({ guests }) {
      const actions = [];
      for (const [guest, limit] of Object.entries(limits)) {
        const { idd, sentBytes, vifRate } = guests[guest];
        // Unlimited and within its limit: nothing to do. Quiet: no price to go by, so the rate stands.
        if ((vifRate === null && idd <= limit) || sentBytes === 0 || idd === 0) continue;
        actions.push({ guest, vifRate: Math.max(floor, ((sentBytes / interval) * limit) / idd) });
      }
      return actions;
    },
  };
}
