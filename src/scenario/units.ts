/**
 * Parsers for quantities written the way people write them: "10ms", "2.5s", "10KB",
 * "22%", "10k/s". Each returns a number in the model's base unit or an error message.
 */
export type Parsed = { ok: true; value: number } | { ok: false; message: string };

const NUMBER = String.raw`([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)`;

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
  h: 3600e9,
};

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 * 1024,
  MiB: 1024 * 1024,
};

function withUnit(text: string, units: Record<string, number>): Parsed | null {
  const m = new RegExp(`^\\s*${NUMBER}\\s*([a-zA-Zµ]+)\\s*$`).exec(text);
  if (!m) return null;
  const factor = units[m[2]];
  if (factor === undefined) return null;
  return { ok: true, value: Number(m[1]) * factor };
}

/** A duration in integer nanoseconds: "500us", "10ms", "2.5s", "2min". */
export function parseDuration(input: unknown): Parsed {
  if (typeof input === "number") {
    return { ok: false, message: `a duration needs a unit, e.g. "${input}s" or "${input}ms"` };
  }
  if (typeof input === "string") {
    const r = withUnit(input, TIME_UNITS);
    if (r?.ok) return { ok: true, value: Math.round(r.value) };
  }
  return { ok: false, message: `expected a duration such as "10ms", "2.5s" or "500us", got ${show(input)}` };
}

/** A size in bytes: "256B", "10KB" (1024 bytes), or a plain number of bytes. */
export function parseSize(input: unknown): Parsed {
  if (typeof input === "number" && Number.isFinite(input)) return { ok: true, value: input };
  if (typeof input === "string") {
    const r = withUnit(input, SIZE_UNITS);
    if (r?.ok) return { ok: true, value: Math.round(r.value) };
  }
  return { ok: false, message: `expected a size such as "256B" or "10KB", got ${show(input)}` };
}

/** A fraction in [0, 1] written as a percentage: "22%". */
export function parsePercent(input: unknown): Parsed {
  if (typeof input === "string") {
    const m = new RegExp(`^\\s*${NUMBER}\\s*%\\s*$`).exec(input);
    if (m) return { ok: true, value: Number(m[1]) / 100 };
  }
  return { ok: false, message: `expected a percentage such as "22%", got ${show(input)}` };
}

/** A rate per second: 10000, "10000/s", "10k/s". */
export function parseRate(input: unknown): Parsed {
  if (typeof input === "number" && Number.isFinite(input)) return { ok: true, value: input };
  if (typeof input === "string") {
    const m = new RegExp(`^\\s*${NUMBER}\\s*(k?)\\s*/\\s*s\\s*$`).exec(input);
    if (m) return { ok: true, value: Number(m[1]) * (m[2] === "k" ? 1000 : 1) };
  }
  return { ok: false, message: `expected a rate per second such as 400 or "10k/s", got ${show(input)}` };
}

/**
 * A bandwidth in bytes per second, written as Xen's vif `rate=` is: "10Mb/s" (bits),
 * "1.25MB/s" (bytes), with K, M and G as powers of 1000 (xend's parseRate). Unlike xend,
 * which reads integers only, a decimal is allowed.
 */
export function parseBandwidth(input: unknown): Parsed {
  if (typeof input === "string") {
    const m = new RegExp(`^\\s*${NUMBER}\\s*([KMG]?)([bB])\\s*/\\s*s\\s*$`).exec(input);
    if (m) {
      const scale = { "": 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]]!;
      return { ok: true, value: (Number(m[1]) * scale) / (m[3] === "b" ? 8 : 1) };
    }
  }
  return { ok: false, message: `expected a bandwidth such as "10Mb/s" (bits) or "1.25MB/s" (bytes), got ${show(input)}` };
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
