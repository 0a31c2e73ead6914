/** Mean and sample standard deviation (n − 1); sd is 0 for a single value. */
export function meanSd(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((a, v) => a + v, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}
