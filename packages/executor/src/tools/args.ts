/** getopt-style parsing for vigil's agent commands: `-n X`, `-nX`, `--name X`, `--name=X`, `-Gq`. */
export interface OptSpec {
  readonly key: string;
  readonly short?: string;
  readonly long: readonly string[];
  /** 'none': a flag; 'required': takes a value; 'optional': `--promotion[=RSC]` (long form only). */
  readonly value: 'none' | 'required' | 'optional';
}

export class UsageError extends Error {}

export function parseOpts(
  argv: readonly string[],
  specs: readonly OptSpec[],
): Map<string, string | true> {
  const out = new Map<string, string | true>();
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const byLong = new Map(specs.flatMap((s) => s.long.map((l) => [l, s] as const)));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const s = byLong.get(name);
      if (!s) throw new UsageError(`unknown option --${name}`);
      if (s.value === 'none') {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        out.set(s.key, true);
      } else if (eq >= 0) {
        out.set(s.key, a.slice(eq + 1));
      } else if (s.value === 'optional') {
        out.set(s.key, true);
      } else {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`);
        out.set(s.key, v);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const s = byShort.get(a[j]!);
        if (!s) throw new UsageError(`unknown option -${a[j]}`);
        if (s.value === 'none' || s.value === 'optional') {
          out.set(s.key, true);
          continue;
        }
        const rest = a.slice(j + 1);
        if (rest !== '') out.set(s.key, rest);
        else {
          const v = argv[++i];
          if (v === undefined) throw new UsageError(`option -${s.short} needs a value`);
          out.set(s.key, v);
        }
        break;
      }
    } else {
      throw new UsageError(`unexpected argument '${a}'`);
    }
  }
  return out;
}

export function str(m: Map<string, string | true>, key: string): string | undefined {
  const v = m.get(key);
  return typeof v === 'string' ? v : undefined;
}
