// bench scheduler: scheduling time of vigil vs Debian's crm_simulate -R on synthetic CIBs from
// ../shared/reference/pacemaker-scale/gen-cib.py (16x1000 and 32x4000, "fresh" and "full").
// crm_simulate is capped (BENCH_CRM_CAP_S, default 600 s); a capped time is a lower bound (">").
// Usage: npm run bench:scheduler [-- --sizes 16x1000,32x4000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCib } from '@vigil/cib';
import {
  extractTransitionSummary,
  formatSummaryLines,
  normaliseSummary,
  schedule,
} from '@vigil/scheduler';
import { run } from '@vigil/testkit';
import { benchLine } from './lib/stats.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const GEN_CANDIDATES = [
  process.env.VIGIL_PCMK_SCALE_GEN,
  resolve(ROOT, '../shared/reference/pacemaker-scale/gen-cib.py'),
  resolve(ROOT, '../../shared/reference/pacemaker-scale/gen-cib.py'),
].filter((p): p is string => p !== undefined && p !== '');
const CAP_S = Number(process.env.BENCH_CRM_CAP_S ?? 600);
const args = process.argv.slice(2);
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1]! : '16x1000,32x4000')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

async function findGen(): Promise<string> {
  for (const p of GEN_CANDIDATES) {
    const r = await run('test', ['-f', p], { timeoutMs: 5_000 });
    if (r.code === 0) return p;
  }
  throw new Error(`gen-cib.py not found (tried ${GEN_CANDIDATES.join(', ')})`);
}

function symmetricDiff(a: string[], b: string[]): number {
  const count = new Map<string, number>();
  for (const l of normaliseSummary(a)) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of normaliseSummary(b)) count.set(l, (count.get(l) ?? 0) - 1);
  let d = 0;
  for (const v of count.values()) d += Math.abs(v);
  return d;
}

const gen = await findGen();
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-sched-'));
const figures: Record<string, number | string> = {};
let diffLines = 0;
let peakRss = 0;
try {
  for (const [nodes, resources] of sizes) {
    for (const history of ['fresh', 'full'] as const) {
      const tag = `${nodes}x${resources}_${history}`;
      const file = join(dir, `${tag}.xml`);
      const genArgs = [
        gen,
        '--nodes',
        String(nodes),
        '--resources',
        String(resources),
        '--history',
        history,
        '-o',
        file,
      ];
      if (history === 'full') genArgs.push('--standby', '--fail-frac', '0.01');
      const g = await run('python3', genArgs, { timeoutMs: 600_000 });
      if (g.code !== 0) throw new Error(`gen-cib.py failed: ${g.stderr}`);
      const xml = readFileSync(file, 'utf8');

      // vigil: read + schedule, in process (the same work `vigil simulate` does before printing).
      const t0 = performance.now();
      const t = schedule({ cib: readCib(xml).cib, nowSec: Math.floor(Date.now() / 1000) });
      const vigilMs = performance.now() - t0;
      peakRss = Math.max(peakRss, process.resourceUsage().maxRSS / 1024);
      const ours = formatSummaryLines(t.summary);

      // crm_simulate -R, capped.
      const shadow = mkdtempSync(join(tmpdir(), 'vigil-bench-shadow-'));
      const c0 = performance.now();
      const r = await run('crm_simulate', ['-x', file, '-R'], {
        timeoutMs: CAP_S * 1000,
        env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: shadow },
        maxOutputBytes: 64 * 1024 * 1024,
      });
      const crmMs = performance.now() - c0;
      rmSync(shadow, { recursive: true, force: true });
      let crmText: string;
      let ratio: string;
      if (r.timedOut) {
        crmText = `>${CAP_S * 1000}`;
        ratio = `>${((CAP_S * 1000) / vigilMs).toFixed(0)}`;
      } else {
        crmText = crmMs.toFixed(0);
        ratio = (crmMs / vigilMs).toFixed(1);
        const theirs = extractTransitionSummary(r.stdout);
        const d = symmetricDiff(theirs, ours);
        diffLines += d;
        console.log(
          `${tag}: summary lines vigil=${ours.length} crm=${theirs.length} differing=${d}`,
        );
      }
      console.log(
        `${tag}: vigil ${vigilMs.toFixed(0)} ms, crm_simulate -R ${crmText} ms, ratio ${ratio}`,
      );
      figures[`vigil_${tag}_ms`] = vigilMs;
      figures[`crm_${tag}_ms`] = crmText;
      figures[`ratio_${tag}`] = ratio;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
figures.vigil_peak_rss_mib = peakRss;
figures.summary_diff_lines = diffLines;
console.log(benchLine('scheduler', figures));
