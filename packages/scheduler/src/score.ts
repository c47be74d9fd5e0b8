/**
 * Scores: integers in [-INFINITY, +INFINITY] where INFINITY is 1,000,000 (Pacemaker's documented
 * value). Adding saturates; -INFINITY wins over +INFINITY (a ban beats a preference).
 */
export const INFINITY = 1_000_000;

export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  const s = a + b;
  if (s >= INFINITY) return INFINITY;
  if (s <= -INFINITY) return -INFINITY;
  return s;
}

/** Parses a score string: an integer, `INFINITY`, `+INFINITY`, `-INFINITY` (case-insensitive), `red`/`yellow`/`green` are handled by callers. */
export function parseScore(text: string | undefined, fallback = 0): number {
  if (text === undefined) return fallback;
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '+infinity') return INFINITY;
  if (t === '-infinity') return -INFINITY;
  if (t === '') return fallback;
  const n = Number.parseInt(t, 10);
  if (Number.isNaN(n)) return fallback;
  return clampScore(n);
}

export function clampScore(n: number): number {
  if (n >= INFINITY) return INFINITY;
  if (n <= -INFINITY) return -INFINITY;
  return n;
}

export function formatScore(n: number): string {
  if (n >= INFINITY) return 'INFINITY';
  if (n <= -INFINITY) return '-INFINITY';
  return String(n);
}
