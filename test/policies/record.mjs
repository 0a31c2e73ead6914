// Keeps every reading it is shown in globalThis.policyReadings, and does nothing (test/policy.test.ts).
export default function () {
  globalThis.policyReadings = [];
  return { evaluate: (reading) => void globalThis.policyReadings.push(reading) };
}
