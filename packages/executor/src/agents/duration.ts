import { VigilError } from '@vigil/base';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  us: 0.001,
  usec: 0.001,
  s: 1000,
  sec: 1000,
  '': 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/**
 * Parses a Pacemaker-style duration ("20s", "20", "2min", "100ms", "1h", "PT10S") into ms.
 * A bare number is seconds, as in meta-data and CIB operation attributes.
 */
export function parseDurationMs(text: string, what = 'duration'): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(t);
  if (m) {
    const unit = UNIT_MS[m[2]!.toLowerCase()];
    if (unit !== undefined) return Math.round(Number(m[1]) * unit);
  }
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(t);
  if (iso && t.length > 2) {
    return Math.round(
      (Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 1000,
    );
  }
  throw new VigilError('VGL_E_INVALID_INPUT', `${what} '${text}' is not a duration`, { text });
}
