// A policy that sets vif rates at given times: options.steps is [{ at: s, guest, vifRate }]
// (test/vif-credit.test.ts).
export default function ({ options }) {
  return {
    evaluate: ({ time }) => options.steps.filter((s) => Math.abs(s.at - time) < 1e-9).map(({ guest, vifRate }) => ({ guest, vifRate })),
  };
}
