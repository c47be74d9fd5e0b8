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

export interface DurationOptions {
  /** Longest accepted duration, in ms. */
  readonly maxMs?: number;
  /** Error code for a bad value: VGL_E_CONFIG for configuration, VGL_E_INVALID_INPUT otherwise. */
  readonly code?: 'VGL_E_CONFIG' | 'VGL_E_INVALID_INPUT';
}

/**
 * Parses a Pacemaker-style duration ("20s", "20", "2min", "100ms", "1h", "PT10S") into ms.
 * A bare number is seconds, as in meta-data, CIB operation attributes and fence device
 * parameters. The one duration parser for agents and devices.
 */
export function parseDurationMs(
  text: string,
  what = 'duration',
  opts: DurationOptions = {},
): number {
  const code = opts.code ?? 'VGL_E_INVALID_INPUT';
  const ms = parse(text.trim());
  if (ms === undefined) {
    throw new VigilError(code, `${what}: '${text}' is not a duration (e.g. 5, 5s, 500ms, 2min)`, {
      value: text,
    });
  }
  if (!Number.isSafeInteger(ms) || ms > (opts.maxMs ?? Number.MAX_SAFE_INTEGER)) {
    throw new VigilError(code, `${what}: '${text}' is longer than ${describeMax(opts.maxMs)}`, {
      value: text,
    });
  }
  return ms;
}

function parse(t: string): number | undefined {
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
  return undefined;
}

function describeMax(maxMs: number | undefined): string {
  if (maxMs === 24 * 3_600_000) return 'a day';
  return maxMs === undefined ? 'the largest safe integer' : `${maxMs} ms`;
}
