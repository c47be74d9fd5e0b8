// bench scheduler: scheduling time of vigil against Debian's `crm_simulate -x FILE -R` on synthetic
// CIBs from bench/lib/gen-cib.ts (primitives, groups, anonymous clones, a promotable clone,
// constraints; outputs in a temp dir), or with --gen-py from the reference generator
// ../shared/reference/pacemaker-scale/gen-cib.py (no clones; its RESULTS.md has crm_simulate's
// baseline on those files).
//
//   npm run bench:scheduler [-- --quick] [-- --no-crm] [-- --cap-s 600] [-- --keep] [-- --gen-py]
//
// --quick   skips the 32×4000 CIBs and the larger growth sizes (the final line says n/a for them)
// --no-crm  skips crm_simulate (vigil only; no ratios, no summary comparison)
// --cap-s   crm_simulate's wall-time cap per CIB, seconds (default 600; capped runs report >CAP)
// --keep    keeps the generated CIBs and crm_simulate outputs, and prints where they are
// --gen-py  generates the CIBs with the reference gen-cib.py instead
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractTransitionSummary } from '@vigil/scheduler';
import { benchLine } from './lib/stats.js';
import { crmSimulate, type CrmResult } from './lib/crm-simulate.js';
import { summaryDiff } from './lib/summary-diff.js';
import { generateCib } from './lib/gen-cib.js';
import type { WorkerResult } from './lib/scheduler-worker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const WORKER = join(HERE, 'lib/scheduler-worker.js');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const noCrm = argv.includes('--no-crm');
const keep = argv.includes('--keep');
const genPy = argv.includes('--gen-py');
const capIdx = argv.indexOf('--cap-s');
const capMs = (capIdx >= 0 ? Number(argv[capIdx + 1]) : 600) * 1000;
for (const a of argv) {
  if (a.startsWith('--') && !['--quick', '--no-crm', '--keep', '--cap-s', '--gen-py'].includes(a))
    throw new Error(
      `unknown option ${a}; usage: bench:scheduler [--quick] [--no-crm] [--cap-s N] [--keep] [--gen-py]`,
    );
}
if (!Number.isFinite(capMs) || capMs <= 0) throw new Error('--cap-s needs a positive number');

/** gen-cib.py: $VIGIL_PCMK_SCALE, else ../shared/reference/pacemaker-scale from the repo root (or one level up, for worktrees). */
function genCibPath(): string {
  const env = process.env.VIGIL_PCMK_SCALE;
  const dirs =
    env !== undefined && env !== ''
      ? [env]
      : ['../shared/reference/pacemaker-scale', '../../shared/reference/pacemaker-scale'].map((r) =>
          resolve(REPO_ROOT, r),
        );
  for (const d of dirs) if (existsSync(join(d, 'gen-cib.py'))) return join(d, 'gen-cib.py');
  throw new Error(`gen-cib.py not found in ${dirs.join(' or ')}; set VIGIL_PCMK_SCALE`);
}

type History = 'fresh' | 'full';
interface Size {
  readonly nodes: number;
  readonly resources: number;
  readonly history: History;
}
const key = (s: Size): string => `${s.nodes}x${s.resources}_${s.history}`;

/** The four files compared with crm_simulate. */
const MAIN: Size[] = [
  { nodes: 16, resources: 1000, history: 'fresh' },
  { nodes: 16, resources: 1000, history: 'full' },
  { nodes: 32, resources: 4000, history: 'fresh' },
  { nodes: 32, resources: 4000, history: 'full' },
];
/** Extra vigil-only sizes, to show how the cost grows. */
const GROWTH: [number, number][] = [
  [8, 500],
  [16, 1000],
  [32, 1000],
  [16, 2000],
  [32, 2000],
  [32, 4000],
];
const isBig = (n: number, r: number): boolean => n * r > 32_000;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-scheduler-'));
const gen = genPy ? genCibPath() : 'bench/lib/gen-cib.ts';

function generate(s: Size): string {
  const file = join(dir, `n${s.nodes}r${s.resources}-${s.history}.xml`);
  if (existsSync(file)) return file;
  if (!genPy) {
    writeFileSync(
      file,
      generateCib({ nodes: s.nodes, resources: s.resources, history: s.history }),
    );
    return file;
  }
  const args = [
    gen,
    '--nodes',
    String(s.nodes),
    '--resources',
    String(s.resources),
    '--history',
    s.history,
    ...(s.history === 'full' ? ['--standby', '--fail-frac', '0.01'] : []),
    '-o',
    file,
  ];
  execFileSync('python3', args, { cwd: dirname(gen), stdio: ['ignore', 'ignore', 'inherit'] });
  return file;
}

function vigilOnce(file: string): WorkerResult {
  const r = spawnSync(process.execPath, [WORKER, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  if (r.status !== 0)
    throw new Error(`vigil worker failed on ${file} (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as WorkerResult;
}

/** Median of `runs` fresh processes by total time (one run when the first takes over 10 s). */
function vigil(file: string, runs = 3): WorkerResult {
  const first = vigilOnce(file);
  const all = [first];
  if (first.parseMs + first.scheduleMs < 10_000)
    for (let i = 1; i < runs; i++) all.push(vigilOnce(file));
  all.sort((a, b) => a.parseMs + a.scheduleMs - (b.parseMs + b.scheduleMs));
  const median = all[Math.floor(all.length / 2)]!;
  return { ...median, peakRssMiB: Math.max(...all.map((r) => r.peakRssMiB)) };
}

const fmtMs = (ms: number): string => ms.toFixed(0);

console.log(`generator: ${gen}`);
console.log(`temp dir: ${dir}${keep ? ' (kept)' : ''}`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(
  `machine: ${cpus().length} CPUs, load average ${load()} (wall times stretch under load; CPU times much less)`,
);
console.log(
  `mode: ${quick ? 'quick' : 'full'}, crm_simulate: ${noCrm ? 'skipped' : `cap ${capMs / 1000} s`}`,
);

// 1. vigil on every size (main files and growth sizes), one child process per run.
const vigilResults = new Map<string, WorkerResult>();
const vigilSizes: Size[] = [];
for (const [n, r] of GROWTH)
  for (const history of ['fresh', 'full'] as const)
    vigilSizes.push({ nodes: n, resources: r, history });
console.log('\nvigil (read + parse/validate, then schedule; median of 3 runs under 10 s, else 1):');
console.log(
  'size              parse_ms  schedule_ms  total_ms    cpu_ms  us/(rsc*node)  actions  summary  peak_rss_mib',
);
for (const s of vigilSizes) {
  if (quick && isBig(s.nodes, s.resources)) continue;
  const file = generate(s);
  const v = vigil(file);
  vigilResults.set(key(s), v);
  const total = v.parseMs + v.scheduleMs;
  console.log(
    `${key(s).padEnd(16)} ${fmtMs(v.parseMs).padStart(9)} ${fmtMs(v.scheduleMs).padStart(12)} ${fmtMs(total).padStart(9)} ${fmtMs(v.cpuMs).padStart(9)} ${((total * 1000) / (s.nodes * s.resources)).toFixed(1).padStart(14)} ${String(v.graphActions).padStart(8)} ${String(v.summary.length).padStart(8)} ${v.peakRssMiB.toFixed(0).padStart(13)}`,
  );
}

// Growth: least-squares exponent of time against resources × nodes, per history.
console.log('\ngrowth (fitted exponent k in time ∝ (resources×nodes)^k; 1 = linear):');
for (const history of ['fresh', 'full'] as const) {
  const pts = vigilSizes
    .filter((s) => s.history === history && vigilResults.has(key(s)))
    .map((s) => {
      const v = vigilResults.get(key(s))!;
      return {
        x: Math.log(s.nodes * s.resources),
        total: v.parseMs + v.scheduleMs,
        sched: v.scheduleMs,
        cpu: v.cpuMs,
      };
    });
  const fit = (ys: number[]): number => {
    const xs = pts.map((p) => p.x);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < xs.length; i++) {
      num += (xs[i]! - mx) * (ys[i]! - my);
      den += (xs[i]! - mx) ** 2;
    }
    return num / den;
  };
  if (pts.length < 2) continue;
  console.log(
    `  ${history}: total k=${fit(pts.map((p) => Math.log(p.total))).toFixed(2)}, schedule only k=${fit(pts.map((p) => Math.log(p.sched))).toFixed(2)}, CPU time k=${fit(pts.map((p) => Math.log(p.cpu))).toFixed(2)} over ${pts.length} sizes`,
  );
}

// 2. crm_simulate -R on the four main files, and the summary comparison.
const figures: Record<string, number | string> = {};
let diffLines = 0;
let compared = 0;
const crmRows: string[] = [];
for (const s of MAIN) {
  const k = key(s);
  const v = vigilResults.get(key(s));
  if (!v) {
    figures[`vigil_${k}_ms`] = 'n/a';
    figures[`crm_${k}_ms`] = 'n/a';
    figures[`ratio_${k}`] = 'n/a';
    continue;
  }
  const vMs = v.parseMs + v.scheduleMs;
  figures[`vigil_${k}_ms`] = vMs;
  if (noCrm) {
    figures[`crm_${k}_ms`] = 'n/a';
    figures[`ratio_${k}`] = 'n/a';
    continue;
  }
  const file = generate(s);
  console.log(`\ncrm_simulate -x ${file} -R (cap ${capMs / 1000} s) …`);
  const c: CrmResult = await crmSimulate(file, capMs);
  if (keep) {
    writeFileSync(file.replace(/\.xml$/, '.crm.txt'), c.stdout);
    writeFileSync(file.replace(/\.xml$/, '.vigil-summary.txt'), v.summary.join('\n') + '\n');
  }
  const crmMs = c.capped ? capMs : c.wallMs;
  const ratio = crmMs / vMs;
  const cpuRatio = c.cpuMs / v.cpuMs;
  // At the cap the run was stopped: report the cap itself as the lower bound.
  figures[`crm_${k}_ms`] = c.capped ? `>${fmtMs(capMs)}` : c.wallMs;
  figures[`ratio_${k}`] = c.capped ? `>${ratio.toFixed(ratio < 100 ? 2 : 0)}` : ratio;
  let diffNote = 'not compared (capped)';
  if (!c.capped) {
    if (c.exitCode !== 0)
      throw new Error(`crm_simulate failed on ${file} (${c.exitCode}): ${c.stderrTail}`);
    const d = summaryDiff(v.summary, extractTransitionSummary(c.stdout));
    diffLines += d.onlyA.length + d.onlyB.length;
    compared++;
    diffNote = `${d.onlyA.length + d.onlyB.length} differing lines (vigil-only ${d.onlyA.length}, crm-only ${d.onlyB.length})`;
    for (const l of d.onlyA.slice(0, 5)) console.log(`  vigil only: ${l}`);
    for (const l of d.onlyB.slice(0, 5)) console.log(`  crm only:   ${l}`);
  }
  crmRows.push(
    `${k.padEnd(16)} vigil ${fmtMs(vMs).padStart(7)} ms (parse ${fmtMs(v.parseMs)} + schedule ${fmtMs(v.scheduleMs)}), ${v.peakRssMiB.toFixed(0)} MiB | crm_simulate ${c.capped ? '>' : ''}${fmtMs(crmMs)} ms, ${c.peakRssMiB.toFixed(0)} MiB | ratio ${c.capped ? '>' : ''}${ratio.toFixed(1)} | CPU vigil ${fmtMs(v.cpuMs)} ms, crm_simulate ${fmtMs(c.cpuMs)} ms, ratio ${c.capped ? '>' : ''}${cpuRatio.toFixed(1)} | summary: ${diffNote}`,
  );
  console.log(crmRows[crmRows.length - 1]);
}

if (crmRows.length > 0) {
  console.log('\nvigil against crm_simulate -R:');
  for (const r of crmRows) console.log('  ' + r);
  console.log(
    `summaries compared: ${compared} of ${crmRows.length} (capped runs print no summary)`,
  );
}
console.log(`load average at the end: ${load()}`);
const peak = Math.max(...[...vigilResults.values()].map((v) => v.peakRssMiB));
if (!keep) rmSync(dir, { recursive: true, force: true });
console.log(
  benchLine('scheduler', {
    ...figures,
    vigil_peak_rss_mib: peak,
    summary_diff_lines: compared === 0 ? 'n/a' : String(diffLines),
  }),
);
