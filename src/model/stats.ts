/** Mean and sample standard deviation (n − 1); sd is 0 for a single value. */
export function meanSd(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((a, v) => a + v, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}

/**
 * A result cell from one value per run, in run order: mean, sd, n and the values
 * themselves (to 10 significant digits: the tests that pair runs need no more, and the
 * JSON stays small).
 */
export function cellOfRuns(values: number[]): { mean: number; sd: number; n: number; perRun: number[] } {
  return { ...meanSd(values), n: values.length, perRun: values.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : v)) };
}
