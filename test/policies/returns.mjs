// A policy that returns, every interval, what options.actions says (test/policy.test.ts).
export default function ({ options }) {
  return { evaluate: () => options.actions };
}
