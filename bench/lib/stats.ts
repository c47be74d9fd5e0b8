/** Small statistics for benchmark reports. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: readonly number[]): {
  n: number;
  min: number;
  median: number;
  p99: number;
  max: number;
} {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? Number.NaN,
    median: quantile(s, 0.5),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? Number.NaN,
  };
}

/** Formats the final `bench NAME: key=value …` line. Keys carry their units. */
export function benchLine(name: string, figures: Record<string, number | string>): string {
  const parts = Object.entries(figures).map(
    ([k, v]) => `${k}=${typeof v === 'number' ? round(v) : v}`,
  );
  return `bench ${name}: ${parts.join(' ')}`;
}

function round(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

/**
 * Prints a trial series (min, median, p99, max) and the final `bench NAME:` line with the
 * trial count, `extra` figures, and min/median/max in ms.
 */
export function reportTrials(
  name: string,
  samples: readonly number[],
  extra: Record<string, number | string> = {},
): void {
  const s = summarize(samples);
  const f = (v: number): string => v.toFixed(1);
  console.log(`min=${f(s.min)}ms median=${f(s.median)}ms p99=${f(s.p99)}ms max=${f(s.max)}ms`);
  console.log(
    benchLine(name, {
      trials: s.n,
      ...extra,
      min_ms: s.min,
      median_ms: s.median,
      max_ms: s.max,
    }),
  );
}
