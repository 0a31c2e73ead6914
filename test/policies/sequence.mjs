// A share policy that sets each domain in options.shares to the next share of its list at
// every interval, going round (test/invariants.test.ts).
export default function ({ options }) {
  let k = 0;
  return {
    evaluate() {
      const i = k++;
      return Object.entries(options.shares).map(([domain, list]) => ({ domain, share: list[i % list.length] }));
    },
  };
}
