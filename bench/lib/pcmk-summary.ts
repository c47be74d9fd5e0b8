/**
 * Reads the `summary.txt` that ../shared/reference/pacemaker-netns/failover-bench.sh writes:
 *
 *   failover class=nondc start_ok_log_s: n=10 min=7.600 median=7.847 max=9.004
 *   failover class=dc start_ok_log_s: n=10 min=8.508 median=8.611 max=8.940
 *   move start_ok_log_s: n=10 min=0.099 median=0.112 max=0.129
 *   footprint over 60s idle:
 *   node	rss_mib	corosync_rss_mib	pss_mib	locked_mib	cpu_self_pct	cpu_incl_children_pct
 *   node1	215.2	98.0	144.7	0.0	0.75	1.08
 *
 * Columns are found by their header names, not positions. A figure the summary lacks (no trial
 * of that class got a log timestamp: `n=0`) is reported by name in `missing`, never as a silent
 * NaN in the result line.
 */
export interface PacemakerFigures {
  readonly nondcMs: number;
  readonly dcMs: number;
  readonly moveMs: number;
  /** Largest per-node RSS (all of a node's daemons), MiB. */
  readonly rssMib: number;
  /** Mean per-node CPU of the daemons themselves, and with reaped children (the agents). */
  readonly cpuSelfPct: number;
  readonly cpuInclChildrenPct: number;
  readonly missing: readonly string[];
}

export function parsePacemakerSummary(text: string): PacemakerFigures {
  const missing: string[] = [];
  const median = (label: string, prefix: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${prefix} start_ok_log_s:`));
    const m = line === undefined ? null : /\bmedian=([\d.]+)/.exec(line);
    if (m === null) {
      missing.push(`${label} (${line?.trim() ?? `no "${prefix} start_ok_log_s" line`})`);
      return Number.NaN;
    }
    return Number(m[1]) * 1000;
  };
  const nondcMs = median('non-DC failover', 'failover class=nondc');
  const dcMs = median('DC failover', 'failover class=dc');
  const moveMs = median('move', 'move');
  const lines = text.split('\n');
  const h = lines.findIndex((l) => /^node\trss_mib\t/.test(l));
  let rssMib = Number.NaN;
  let cpuSelfPct = Number.NaN;
  let cpuInclChildrenPct = Number.NaN;
  if (h < 0) missing.push('footprint (no "node\trss_mib…" table)');
  else {
    const cols = lines[h]!.split('\t');
    const rows = lines
      .slice(h + 1)
      .filter((l) => /^node\d+\t/.test(l))
      .map((l) => l.split('\t'));
    const col = (name: string): number[] => {
      const i = cols.indexOf(name);
      const v = i < 0 ? [] : rows.map((r) => Number(r[i]));
      if (v.length === 0 || v.some((x) => !Number.isFinite(x))) {
        missing.push(`footprint column ${name}`);
        return [Number.NaN];
      }
      return v;
    };
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    rssMib = Math.max(...col('rss_mib'));
    cpuSelfPct = mean(col('cpu_self_pct'));
    cpuInclChildrenPct = mean(col('cpu_incl_children_pct'));
  }
  return { nondcMs, dcMs, moveMs, rssMib, cpuSelfPct, cpuInclChildrenPct, missing };
}
