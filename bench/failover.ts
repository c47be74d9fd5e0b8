// bench failover: vigil's failover, move and idle footprint, side by side with Pacemaker + Corosync
// measured by ../shared/reference/pacemaker-netns/failover-bench.sh in the same run.
//
// vigil: 3 vigild at default timing, each in its own network namespace (vgl-fb1..3, 10.198.0.1-3
// on a bridge), set up like a user would (`vigil init`, a fence device in the YAML, `vigild
// --config --node`), driven through the CLI and the API socket only (see lib/netns-cluster.ts).
// fence_vigil is the fence device (it kills the node's processes and runs its start script
// again), ocf:heartbeat:Dummy with a 1 s monitor and resource-stickiness=100 the resource, as in
// the reference harness. Per trial:
// - failover (non-DC, DC): SIGKILL of every process of the node holding `dummy` until a
//   survivor's status shows it started on another node (the start result is recorded);
// - move: from the move request (the API call `vigil resource move` makes) until the target's
//   status shows it started there;
// - footprint: RSS and CPU (self, and with reaped children: the agents) summed over each node's
//   processes over the idle window, as the harness does. vigil's window starts after a warm-up
//   (default: one window long) during which V8 still compiles the hot paths; the warm-up is
//   measured and printed too, and the harness samples Pacemaker after its own start-up settles.
// The same trial counts and idle window go to the harness (corosync/pacemaker at defaults).
//
// Usage (root: network namespaces):
//   node bench/dist/failover.js [--trials N] [--footprint SECS] [--warmup SECS] [--quick]
//                               [--no-pacemaker] [--no-vigil] [--check-parser]
// --quick: 3 trials of each kind and a 10 s idle window (proves the bench works, not a figure).
// Env: PACEMAKER_HARNESS=DIR (default ../shared/reference/pacemaker-netns next to the repository
// or its worktree parent). The last line carries vigil_*, pacemaker_* and the ratios.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '@vigil/testkit';
import { NetnsCluster, type BenchStatus } from './lib/netns-cluster.js';
import { CLK_TCK } from './lib/proc.js';
import { parsePacemakerSummary } from './lib/pcmk-summary.js';
import { benchLine, summarize } from './lib/stats.js';

const args = process.argv.slice(2);
const flag = (f: string): boolean => args.includes(f);
function num(name: string, dflt: number, min = 1): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer >= ${min}`);
  return v;
}
const KNOWN = [
  '--trials',
  '--footprint',
  '--warmup',
  '--quick',
  '--no-pacemaker',
  '--no-vigil',
  '--check-parser',
];
for (const [i, a] of args.entries()) {
  if (a.startsWith('--') && !KNOWN.includes(a)) throw new Error(`unknown option ${a}`);
  if (!a.startsWith('--') && !['--trials', '--footprint', '--warmup'].includes(args[i - 1] ?? ''))
    throw new Error(`unexpected argument ${a}`);
}
const QUICK = flag('--quick');
const TRIALS = num('trials', QUICK ? 3 : 10);
const FOOTPRINT_SECS = num('footprint', QUICK ? 10 : 60);
const WARMUP_SECS = num('warmup', QUICK ? 0 : FOOTPRINT_SECS, 0);
const NODES = ['n1', 'n2', 'n3'];
const REPO = join(import.meta.dirname, '../..');
const HARNESS = resolve(
  process.env.PACEMAKER_HARNESS ??
    [
      join(REPO, '../shared/reference/pacemaker-netns'),
      join(REPO, '../../shared/reference/pacemaker-netns'),
    ].find((d) => existsSync(join(d, 'failover-bench.sh'))) ??
    join(REPO, '../shared/reference/pacemaker-netns'),
);

interface Figures {
  nondc: number;
  dc: number;
  move: number;
  rss: number;
  cpu: number;
  cpuAll: number;
}
const NONE: Figures = {
  nondc: Number.NaN,
  dc: Number.NaN,
  move: Number.NaN,
  rss: Number.NaN,
  cpu: Number.NaN,
  cpuAll: Number.NaN,
};

// ------------------------------------------------------------------------------------- vigil

async function until<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  f: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const where = (s: BenchStatus): string | undefined =>
  s.resources.find((r) => r.id === 'dummy')?.running[0];

async function settled(c: NetnsCluster): Promise<BenchStatus> {
  return until('3 online nodes, dummy running, no transition', 120_000, 100, async () => {
    const s = await c.status();
    return s &&
      s.nodes.length === NODES.length &&
      s.nodes.every((n) => n.online) &&
      where(s) !== undefined &&
      s.transition?.outcome !== 'running'
      ? s
      : undefined;
  });
}

const prefer = (id: string, node: string): Record<string, unknown> => ({
  entries: [
    {
      op: 'constraint-add',
      constraint: { kind: 'location', id, rsc: 'dummy', node, score: 1_000_000 },
    },
  ],
});
const unprefer = (id: string): Record<string, unknown> => ({
  entries: [{ op: 'constraint-remove', id }],
});

async function putOn(c: NetnsCluster, node: string): Promise<void> {
  await c.request('changes', prefer('bench-place', node));
  await until(`dummy on ${node}`, 60_000, 20, async () => {
    const s = await c.status();
    return s && where(s) === node ? true : undefined;
  });
  await c.request('changes', unprefer('bench-place'));
}

/** Brings a crashed node back if fencing did not (fence_vigil reboot runs its start script). */
async function revive(c: NetnsCluster, node: string): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    const s = await c.status();
    if (s?.nodes.find((n) => n.name === node)?.online === true) return;
    await sleep(200);
  }
  if ((await c.pids(node)).length === 0) c.start(node);
}

async function failoverTrial(c: NetnsCluster, dcVictim: boolean): Promise<number> {
  let target: string | undefined;
  for (let attempt = 0; attempt < 3 && target === undefined; attempt++) {
    const s = await settled(c);
    const dc = s.dc!;
    const want = dcVictim ? dc : NODES.find((n) => n !== dc && n !== where(s))!;
    if (where(s) !== want) await putOn(c, want);
    const v = await settled(c);
    if (where(v) === want && (v.dc === want) === dcVictim) target = want;
  }
  if (target === undefined)
    throw new Error(`could not set up a ${dcVictim ? 'DC' : 'non-DC'} trial`);
  await sleep(1000);
  const survivors = NODES.filter((n) => n !== target);
  const t0 = performance.now();
  await c.crash(target);
  await until('recovery', 120_000, 5, async () => {
    const v = await c.status(survivors);
    const w = v && where(v);
    return w !== undefined && w !== target ? true : undefined;
  });
  const ms = performance.now() - t0;
  await revive(c, target);
  await settled(c);
  return ms;
}

async function moveTrial(c: NetnsCluster): Promise<number> {
  const s = await settled(c);
  await sleep(1000);
  const from = where(s)!;
  const to = NODES[(NODES.indexOf(from) + 1) % NODES.length]!;
  const t0 = performance.now();
  await c.request('changes', prefer('cli-prefer-dummy', to));
  await until('move', 60_000, 2, async () => {
    const v = await c.status([to]);
    return v && where(v) === to ? true : undefined;
  });
  const ms = performance.now() - t0;
  await c.request('changes', unprefer('cli-prefer-dummy'));
  return ms;
}

interface FootprintRow {
  readonly n: string;
  readonly procs: number;
  readonly rss: number;
  readonly cpu: number;
  readonly cpuAll: number;
}

/** CPU (self, and with reaped children) and RSS of each node's processes over `secs`. */
async function sampleWindow(c: NetnsCluster, secs: number): Promise<FootprintRow[]> {
  const pids = await Promise.all(NODES.map((n) => c.pids(n)));
  const a = pids.map((p) => NetnsCluster.sample(p));
  const t0 = performance.now();
  await sleep(secs * 1000);
  const took = (performance.now() - t0) / 1000;
  const b = pids.map((p) => NetnsCluster.sample(p));
  const pct = (m0: Map<number, number>, m1: Map<number, number>): number => {
    let d = 0;
    for (const [p, t] of m1) if (m0.has(p)) d += t - m0.get(p)!;
    return (d / CLK_TCK / took) * 100;
  };
  return NODES.map((n, i) => ({
    n,
    procs: b[i]!.self.size,
    rss: b[i]!.rssKib / 1024,
    cpu: pct(a[i]!.self, b[i]!.self),
    cpuAll: pct(a[i]!.all, b[i]!.all),
  }));
}

async function footprint(c: NetnsCluster): Promise<{ rss: number; cpu: number; cpuAll: number }> {
  await settled(c);
  await sleep(2000);
  const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
  const show = (rows: FootprintRow[]): void => {
    for (const r of rows)
      console.log(
        `  ${r.n}: ${r.procs} processes, rss ${r.rss.toFixed(1)} MiB, cpu ${r.cpu.toFixed(2)} % (with agents ${r.cpuAll.toFixed(2)} %)`,
      );
  };
  if (WARMUP_SECS > 0) {
    const warm = await sampleWindow(c, WARMUP_SECS);
    console.log(
      `vigil: warm-up, the first ${WARMUP_SECS} s after start (V8 still compiling): cpu ${mean(warm.map((r) => r.cpu)).toFixed(2)} % (mean)`,
    );
    show(warm);
  }
  console.log(`vigil: idle footprint over ${FOOTPRINT_SECS} s`);
  const rows = await sampleWindow(c, FOOTPRINT_SECS);
  show(rows);
  return {
    rss: Math.max(...rows.map((r) => r.rss)),
    cpu: mean(rows.map((r) => r.cpu)),
    cpuAll: mean(rows.map((r) => r.cpuAll)),
  };
}

async function vigil(): Promise<Figures> {
  await using dir = await tempDir('bench-failover');
  const c = await NetnsCluster.create(dir.path, NODES);
  try {
    for (const n of NODES) c.start(n);
    await until('a DC with quorum', 90_000, 100, () => c.status()).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${c.logTails()}`);
    });
    await c.cli([
      'resource',
      'create',
      'dummy',
      'ocf:heartbeat:Dummy',
      'meta',
      'resource-stickiness=100',
      'op',
      'monitor',
      'interval=1s',
      'timeout=20s',
    ]);
    await settled(c);
    const fp = await footprint(c);
    const nondc: number[] = [];
    const dc: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      nondc.push(await failoverTrial(c, false));
      dc.push(await failoverTrial(c, true));
      console.log(
        `  trial ${i + 1}: non-DC ${nondc.at(-1)!.toFixed(0)} ms, DC ${dc.at(-1)!.toFixed(0)} ms`,
      );
    }
    const moves: number[] = [];
    for (let i = 0; i < TRIALS; i++) moves.push(await moveTrial(c));
    const line = (what: string, v: number[], digits = 0): void => {
      const s = summarize(v);
      console.log(
        `vigil ${what}: n=${s.n} min=${s.min.toFixed(digits)} median=${s.median.toFixed(digits)} max=${s.max.toFixed(digits)}`,
      );
    };
    line('failover non-DC ms', nondc);
    line('failover DC ms', dc);
    line('move ms', moves, 1);
    console.log(
      `vigil idle per node over ${FOOTPRINT_SECS} s: rss ${fp.rss.toFixed(1)} MiB (max), cpu ${fp.cpu.toFixed(2)} % (mean; ${fp.cpuAll.toFixed(2)} % with agents)`,
    );
    return {
      nondc: summarize(nondc).median,
      dc: summarize(dc).median,
      move: summarize(moves).median,
      ...fp,
    };
  } catch (e) {
    console.error(`vigil: ${String(e)}\n${c.logTails()}`);
    throw e;
  } finally {
    await c.destroy();
    await rm(dir.path, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------------------------- Pacemaker

function readPacemaker(summary: string): Figures {
  const p = parsePacemakerSummary(summary);
  if (p.missing.length > 0) console.log(`pacemaker: summary lacks ${p.missing.join('; ')}`);
  return {
    nondc: p.nondcMs,
    dc: p.dcMs,
    move: p.moveMs,
    rss: p.rssMib,
    cpu: p.cpuSelfPct,
    cpuAll: p.cpuInclChildrenPct,
  };
}

async function pacemaker(): Promise<Figures> {
  if (!existsSync(join(HARNESS, 'failover-bench.sh'))) {
    console.log(`pacemaker: skipped (no harness at ${HARNESS})`);
    return NONE;
  }
  await using out = await tempDir('bench-pcmk');
  const env = {
    ...process.env,
    REPS: String(TRIALS),
    VICTIMS: 'nondc dc',
    MOVE_REPS: String(TRIALS),
    FOOTPRINT_SECS: String(FOOTPRINT_SECS),
    RESULTS_DIR: out.path,
  };
  console.log(`pacemaker: ${HARNESS}/failover-bench.sh at its defaults (several minutes)`);
  const code = await new Promise<number>((res) => {
    const p = spawn('bash', [join(HARNESS, 'failover-bench.sh')], {
      cwd: HARNESS,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    p.on('exit', (c) => res(c ?? 1));
  });
  const file = join(out.path, 'summary.txt');
  if (code !== 0 || !existsSync(file)) {
    const failed = join(out.path, 'FAILED.txt');
    console.log(
      `pacemaker: harness failed (exit ${code})${existsSync(failed) ? `: ${readFileSync(failed, 'utf8').trim()}` : ''}`,
    );
    return NONE;
  }
  const summary = readFileSync(file, 'utf8');
  console.log(
    summary
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  return readPacemaker(summary);
}

// ------------------------------------------------------------------------------------- main

if (flag('--check-parser')) {
  // The harness's reference figures use summary.txt's format: parse their first section.
  const ref = readFileSync(join(HARNESS, 'reference-figures.txt'), 'utf8');
  const first = ref.split(/\n## /)[1] ?? '';
  console.log(JSON.stringify(parsePacemakerSummary(first)));
  process.exit(0);
}
if (process.getuid?.() !== 0) throw new Error('bench failover needs root (network namespaces)');
const v = flag('--no-vigil') ? NONE : await vigil();
const p = flag('--no-pacemaker') || process.env.SKIP_PACEMAKER === '1' ? NONE : await pacemaker();
console.log(
  `side by side (${TRIALS} trials each, ${FOOTPRINT_SECS} s idle): failover non-DC ${v.nondc.toFixed(0)} vs ${p.nondc.toFixed(0)} ms, DC ${v.dc.toFixed(0)} vs ${p.dc.toFixed(0)} ms, ` +
    `move ${v.move.toFixed(1)} vs ${p.move.toFixed(1)} ms, rss ${v.rss.toFixed(1)} vs ${p.rss.toFixed(1)} MiB, ` +
    `idle cpu ${v.cpu.toFixed(2)} vs ${p.cpu.toFixed(2)} % (with agents ${v.cpuAll.toFixed(2)} vs ${p.cpuAll.toFixed(2)} %)` +
    (QUICK ? '  [--quick: too few trials for a figure]' : ''),
);
console.log(
  benchLine('failover', {
    vigil_nondc_median_ms: v.nondc,
    vigil_dc_median_ms: v.dc,
    vigil_move_median_ms: v.move,
    vigil_rss_mib: v.rss,
    vigil_idle_cpu_pct: v.cpu,
    pacemaker_nondc_median_ms: p.nondc,
    pacemaker_dc_median_ms: p.dc,
    pacemaker_move_median_ms: p.move,
    pacemaker_rss_mib: p.rss,
    pacemaker_idle_cpu_pct: p.cpu,
    ratio_nondc: p.nondc / v.nondc,
    ratio_dc: p.dc / v.dc,
  }),
);
