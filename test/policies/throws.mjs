// A policy that fails at its third evaluation (test/policy.test.ts).
export default function () {
  let calls = 0;
  return {
    evaluate() {
      if (++calls === 3) throw new RangeError("no more");
      return [];
    },
  };
}
