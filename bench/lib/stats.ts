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
