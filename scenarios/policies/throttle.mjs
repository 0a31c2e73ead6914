// ShareGuard's throttle (`action: throttle`) as a policy module: every interval, each
// limited guest may cause at most its limit of IDD time, priced by XenMon's cost per
// packet; the rest of its packets are dropped. Gives the built-in throttle's numbers
// to the bit (test/policy.test.ts).

export default function throttle({ limits }) {
  return {
    evaluate() {
      return Object.entries(limits).map(([guest, limit]) => ({ guest, throttle: limit }));
    },
  };
}
