/**
 * Pacemaker scores: integers capped at ±INFINITY (1,000,000), plus the node-health colours.
 *
 * Documented semantics (Pacemaker Explained, "Scores"):
 * - `INFINITY`, `+INFINITY` and `-INFINITY` mean ±1,000,000; any value beyond is capped.
 * - Adding: -INFINITY + anything = -INFINITY; +INFINITY + anything except -INFINITY = +INFINITY.
 * - `red`, `yellow`, `green` are the scores of the cluster options `node-health-red`,
 *   `node-health-yellow`, `node-health-green` (used by the node-health strategy), which default
 *   to -INFINITY, 0 and 0 (the `custom` strategy; other strategies set them themselves).
 */
import { VigilError } from '@vigil/base';

export const INFINITY_SCORE = 1_000_000;

/** Scores for the colour words; see `healthScoresFor` for the strategy-dependent values. */
export interface HealthScores {
  red: number;
  yellow: number;
  green: number;
}

export const DEFAULT_HEALTH_SCORES: HealthScores = { red: -INFINITY_SCORE, yellow: 0, green: 0 };

/**
 * Colour scores for a `node-health-strategy` (documented in Pacemaker Explained, "Tracking Node
 * Health"): `migrate-on-red` → red -INFINITY, yellow 0, green 0; `only-green` → red and yellow
 * -INFINITY, green 0; `progressive` and `custom` take the `node-health-*` options (given here as
 * `options`, raw), defaulting to 0 except red under `custom` (-INFINITY); `none` → all 0.
 */
export function healthScoresFor(
  strategy: string | undefined,
  options: { red?: string; yellow?: string; green?: string } = {},
): HealthScores {
  const opt = (v: string | undefined, dflt: number): number => {
    const p = v === undefined ? undefined : scoreValue(v);
    return p ?? dflt;
  };
  switch ((strategy ?? 'none').toLowerCase()) {
    case 'migrate-on-red':
      return { red: -INFINITY_SCORE, yellow: 0, green: 0 };
    case 'only-green':
      return { red: -INFINITY_SCORE, yellow: -INFINITY_SCORE, green: 0 };
    case 'progressive':
      return {
        red: opt(options.red, 0),
        yellow: opt(options.yellow, 0),
        green: opt(options.green, 0),
      };
    case 'custom':
      return {
        red: opt(options.red, -INFINITY_SCORE),
        yellow: opt(options.yellow, 0),
        green: opt(options.green, 0),
      };
    default:
      return { red: 0, yellow: 0, green: 0 };
  }
}

function cap(n: number): number {
  if (n >= INFINITY_SCORE) return INFINITY_SCORE;
  if (n <= -INFINITY_SCORE) return -INFINITY_SCORE;
  return n;
}

const INT_RE = /^[+-]?[0-9]+$/;

/**
 * The numeric value of a score string, or undefined if it is not a score. Accepts surrounding
 * whitespace, `INFINITY` in any case with an optional sign, integers (capped), and the colours.
 */
export function scoreValue(
  s: string,
  health: HealthScores = DEFAULT_HEALTH_SCORES,
): number | undefined {
  const t = s.trim();
  const u = t.toUpperCase();
  if (u === 'INFINITY' || u === '+INFINITY') return INFINITY_SCORE;
  if (u === '-INFINITY') return -INFINITY_SCORE;
  if (INT_RE.test(t)) return cap(Number(t));
  switch (t.toLowerCase()) {
    case 'red':
      return health.red;
    case 'yellow':
      return health.yellow;
    case 'green':
      return health.green;
    default:
      return undefined;
  }
}

/** Whether `s` is a valid score. */
export function isScore(s: string): boolean {
  return scoreValue(s) !== undefined;
}

/** Parses a score; throws VigilError VGL_E_INVALID_INPUT naming `what` when it is not one. */
export function parseScore(
  s: string,
  what = 'score',
  health: HealthScores = DEFAULT_HEALTH_SCORES,
): number {
  const v = scoreValue(s, health);
  if (v === undefined) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `${what} ${JSON.stringify(s)} is not a score (an integer, INFINITY, +INFINITY, -INFINITY, red, yellow or green)`,
      { value: s },
    );
  }
  return v;
}

/** Pacemaker score addition: -INFINITY dominates, then +INFINITY; otherwise a capped sum. */
export function addScores(a: number, b: number): number {
  if (a <= -INFINITY_SCORE || b <= -INFINITY_SCORE) return -INFINITY_SCORE;
  if (a >= INFINITY_SCORE || b >= INFINITY_SCORE) return INFINITY_SCORE;
  return cap(a + b);
}

/** Formats a score as Pacemaker prints it: `INFINITY`, `-INFINITY` or the integer. */
export function formatScore(n: number): string {
  if (n >= INFINITY_SCORE) return 'INFINITY';
  if (n <= -INFINITY_SCORE) return '-INFINITY';
  return String(n);
}

/**
 * Pacemaker's boolean words: true for `true`, `on`, `yes`, `y`, `1` (any case); false for
 * `false`, `off`, `no`, `n`, `0`; undefined otherwise (callers pick the default).
 */
export function parseBoolean(s: string | undefined): boolean | undefined {
  if (s === undefined) return undefined;
  switch (s.trim().toLowerCase()) {
    case 'true':
    case 'on':
    case 'yes':
    case 'y':
    case '1':
      return true;
    case 'false':
    case 'off':
    case 'no':
    case 'n':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/** True only for Pacemaker's true words (`crm_is_true`). */
export function isTrue(s: string | undefined): boolean {
  return parseBoolean(s) === true;
}
