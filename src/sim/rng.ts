import seedrandom from "seedrandom";

/** A uniform [0, 1) generator. */
export type Random = () => number;

/**
 * One independent stream per (scenario seed, run index, component). Keying by the
 * component's name means adding a domain never shifts another domain's numbers.
 */
export function rngStream(seed: number, run: number, component: string): Random {
  const prng = seedrandom(`xeniso/${seed}/${run}/${component}`);
  return () => prng.quick();
}

/** Normally distributed sample (Box–Muller). */
export function normal(rand: Random, mean: number, sd: number): number {
  const u = 1 - rand();
  const v = rand();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
