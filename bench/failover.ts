// bench failover: vigil's failover, move and idle footprint, side by side with Pacemaker + Corosync.
//
// vigil: 3 vigild, each in its own network namespace (10.198.0.1-3 on a bridge), default timing,
// fence_vigil as the fence device (it kills the node's processes and restarts its vigild), one
// ocf:heartbeat:Dummy with a 1 s monitor (as the reference harness uses).
// - failover: kill -9 of the vigild holding `dummy` (non-DC and DC trials) until a survivor's
//   status shows the start confirmed on another node (the start result is recorded);
// - move: from the move request until the start on the target is confirmed;
// - footprint: RSS and CPU (self + reaped children: the agents) of each vigild over FOOTPRINT_SECS.
// Pacemaker: ../shared/reference/pacemaker-netns/failover-bench.sh at its defaults, in the same run.
//
// Env: REPS (10), MOVE_REPS (10), FOOTPRINT_SECS (60), SKIP_PACEMAKER=1, PACEMAKER_HARNESS (dir).
// Needs root (network namespaces). Run: npm run bench:failover
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import type { CibEntry } from '@vigil/controller';
import { NetnsLan, tempDir } from '@vigil/testkit';
import { benchLine, summarize } from './lib/stats.js';

const REPS = Number(process.env.REPS ?? 10);
const MOVE_REPS = Number(process.env.MOVE_REPS ?? 10);
const FOOTPRINT_SECS = Number(process.env.FOOTPRINT_SECS ?? 60);
// The harness lives in ../shared/reference next to the repository (or next to its parent, for
// a git worktree under wt/).
const REPO = join(import.meta.dirname, '../..');
const HARNESS = resolve(
  process.env.PACEMAKER_HARNESS ??
    [
      join(REPO, '../shared/reference/pacemaker-netns'),
      join(REPO, '../../shared/reference/pacemaker-netns'),
    ].find((d) => existsSync(join(d, 'failover-bench.sh'))) ??
    join(REPO, '../shared/reference/pacemaker-netns'),
);
const NODES = ['n1', 'n2', 'n3'];
const CLK_TCK = 100;
const PAGE_MIB = 4096 / (1024 * 1024);

async function statusOf(c: LocalCluster, nodes = NODES): Promise<StatusView | undefined> {
  for (const n of nodes) {
    try {
      const s = (await callDaemon(c.socket(n), 'status', {}, 1000)) as StatusView;
      if (s.dc !== null && s.quorate) return s;
    } catch {
      // next node
    }
  }
  return undefined;
}

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

const where = (s: StatusView): string | undefined =>
  s.resources.find((r) => r.id === 'dummy')?.running[0];

async function settled(c: LocalCluster): Promise<StatusView> {
  return until('3 online nodes, dummy running, no transition', 60_000, 100, async () => {
    const s = await statusOf(c);
    return s &&
      s.nodes.every((n) => n.online) &&
      where(s) !== undefined &&
      s.transition?.outcome !== 'running'
      ? s
      : undefined;
  });
}

async function change(c: LocalCluster, ...entries: CibEntry[]): Promise<void> {
  for (const n of NODES) {
    try {
      await callDaemon(c.socket(n), 'changes', { entries }, 20_000);
      return;
    } catch (e) {
      if (n === NODES.at(-1)) throw e;
    }
  }
}

async function putOn(c: LocalCluster, node: string): Promise<void> {
  await change(c, {
    op: 'constraint-add',
    constraint: { kind: 'location', id: 'bench-prefer', rsc: 'dummy', node, score: 1_000_000 },
  });
  await until(`dummy on ${node}`, 30_000, 20, async () => {
    const s = await statusOf(c);
    return s && where(s) === node ? true : undefined;
  });
  await change(c, { op: 'constraint-remove', id: 'bench-prefer' });
}

async function failoverTrial(c: LocalCluster, dcVictim: boolean): Promise<number> {
  let s = await settled(c);
  const dc = s.dc!;
  const target = dcVictim ? dc : NODES.find((n) => n !== dc && n !== where(s))!;
  if (where(s) !== target) {
    await putOn(c, target);
    s = await settled(c);
  }
  const survivors = NODES.filter((n) => n !== target);
  const t0 = performance.now();
  await c.crash(target);
  await until('recovery', 60_000, 5, async () => {
    const v = await statusOf(c, survivors);
    const w = v && where(v);
    return w !== undefined && w !== target ? true : undefined;
  });
  const ms = performance.now() - t0;
  await settled(c);
  await sleep(1000);
  return ms;
}

async function moveTrial(c: LocalCluster): Promise<number> {
  const s = await settled(c);
  const from = where(s)!;
  const to = NODES.find((n) => n !== from)!;
  const t0 = performance.now();
  await change(c, {
    op: 'constraint-add',
    constraint: {
      kind: 'location',
      id: 'cli-prefer-dummy',
      rsc: 'dummy',
      node: to,
      score: 1_000_000,
    },
  });
  await until('move', 30_000, 2, async () => {
    const v = await statusOf(c, [to]);
    return v && where(v) === to ? true : undefined;
  });
  const ms = performance.now() - t0;
  await change(c, { op: 'constraint-remove', id: 'cli-prefer-dummy' });
  await sleep(500);
  return ms;
}

function procStat(pid: number): { ticks: number; rssMib: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after ")": state(0) … utime(11) stime(12) cutime(13) cstime(14) … rss(21)
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { ticks, rssMib: Number(f[21]) * PAGE_MIB };
}

async function footprint(c: LocalCluster): Promise<{ rssMib: number; cpuPct: number }> {
  await settled(c);
  const pids = (await Promise.all(NODES.map((n) => c.pid(n)))).filter(
    (p): p is number => p !== undefined,
  );
  const a = pids.map(procStat);
  const t0 = performance.now();
  const rss: number[] = [];
  for (let i = 0; i < FOOTPRINT_SECS; i++) {
    await sleep(1000);
    rss.push(Math.max(...pids.map((p) => procStat(p).rssMib)));
  }
  const secs = (performance.now() - t0) / 1000;
  const b = pids.map(procStat);
  const cpu = b.map((x, i) => ((x.ticks - a[i]!.ticks) / CLK_TCK / secs) * 100);
  for (const [i, p] of pids.entries())
    console.log(
      `  vigild ${NODES[i]!} pid ${p}: rss ${b[i]!.rssMib.toFixed(1)} MiB, cpu ${cpu[i]!.toFixed(2)} %`,
    );
  return { rssMib: Math.max(...rss), cpuPct: cpu.reduce((x, y) => x + y, 0) / cpu.length };
}

async function vigil(): Promise<Record<string, number>> {
  await using dir = await tempDir('bench-failover');
  const lan = await NetnsLan.create('fb', NODES.length, '10.198.0');
  const hosts = Object.fromEntries(NODES.map((n, i) => [n, lan.hosts[i]!.address]));
  const netns = Object.fromEntries(NODES.map((n, i) => [n, lan.hosts[i]!.name]));
  const c = new LocalCluster({
    dir: dir.path,
    name: 'bench',
    nodes: NODES,
    port: 5405,
    hosts,
    netns,
  });
  try {
    await c.create();
    for (const n of NODES) c.start(n);
    await until('a DC', 30_000, 50, () => statusOf(c));
    await change(c, {
      op: 'rsc-create',
      def: {
        kind: 'primitive',
        id: 'dummy',
        class: 'ocf',
        provider: 'heartbeat',
        type: 'Dummy',
        params: {},
        meta: {},
        ops: [{ name: 'monitor', intervalMs: 1000, timeoutMs: 20_000 }],
      },
    });
    await settled(c);
    const nondc: number[] = [];
    const dc: number[] = [];
    for (let i = 0; i < REPS; i++) {
      nondc.push(await failoverTrial(c, false));
      dc.push(await failoverTrial(c, true));
      console.log(
        `  trial ${i + 1}: non-DC ${nondc.at(-1)!.toFixed(0)} ms, DC ${dc.at(-1)!.toFixed(0)} ms`,
      );
    }
    const moves: number[] = [];
    for (let i = 0; i < MOVE_REPS; i++) moves.push(await moveTrial(c));
    const fp = FOOTPRINT_SECS > 0 ? await footprint(c) : { rssMib: Number.NaN, cpuPct: Number.NaN };
    const sn = summarize(nondc);
    const sd = summarize(dc);
    const sm = summarize(moves);
    console.log(
      `vigil failover non-DC ms: n=${sn.n} min=${sn.min.toFixed(0)} median=${sn.median.toFixed(0)} max=${sn.max.toFixed(0)}`,
    );
    console.log(
      `vigil failover DC ms:     n=${sd.n} min=${sd.min.toFixed(0)} median=${sd.median.toFixed(0)} max=${sd.max.toFixed(0)}`,
    );
    console.log(
      `vigil move ms:            n=${sm.n} min=${sm.min.toFixed(1)} median=${sm.median.toFixed(1)} max=${sm.max.toFixed(1)}`,
    );
    console.log(
      `vigil idle per node over ${FOOTPRINT_SECS} s: rss ${fp.rssMib.toFixed(1)} MiB (max), cpu ${fp.cpuPct.toFixed(2)} % (mean)`,
    );
    return { nondc: sn.median, dc: sd.median, move: sm.median, rss: fp.rssMib, cpu: fp.cpuPct };
  } finally {
    await c.stopAll().catch(() => undefined);
    await lan.destroy();
    await rm(dir.path, { recursive: true, force: true });
  }
}

async function pacemaker(): Promise<Record<string, number>> {
  const nan = {
    nondc: Number.NaN,
    dc: Number.NaN,
    move: Number.NaN,
    rss: Number.NaN,
    cpu: Number.NaN,
  };
  if (process.env.SKIP_PACEMAKER === '1' || !existsSync(join(HARNESS, 'failover-bench.sh'))) {
    console.log(
      `pacemaker: skipped (${process.env.SKIP_PACEMAKER === '1' ? 'SKIP_PACEMAKER=1' : `no harness at ${HARNESS}`})`,
    );
    return nan;
  }
  await using out = await tempDir('bench-pcmk');
  const env = {
    ...process.env,
    REPS: String(REPS),
    VICTIMS: 'nondc dc',
    MOVE_REPS: String(MOVE_REPS),
    FOOTPRINT_SECS: String(FOOTPRINT_SECS),
    RESULTS_DIR: out.path,
  };
  console.log(`pacemaker: running ${HARNESS}/failover-bench.sh (defaults; several minutes)`);
  const code = await new Promise<number>((res) => {
    const p = spawn('bash', [join(HARNESS, 'failover-bench.sh')], {
      cwd: HARNESS,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    p.on('exit', (c) => res(c ?? 1));
  });
  // The harness writes into RESULTS_DIR itself (older versions: a run-id subdirectory of it).
  const run = [out.path, ...readdirSync(out.path).map((d) => join(out.path, d))].find((d) =>
    existsSync(join(d, 'summary.txt')),
  );
  if (code !== 0 || run === undefined) {
    console.log(`pacemaker: harness failed (exit ${code})`);
    return nan;
  }
  const summary = readFileSync(join(run, 'summary.txt'), 'utf8');
  console.log(
    summary
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  const med = (re: RegExp): number => Number(re.exec(summary)?.[1] ?? Number.NaN) * 1000;
  const rows = summary
    .split('\n')
    .filter((l) => /^node\d\t/.test(l))
    .map((l) => l.split('\t'));
  return {
    nondc: med(/failover class=nondc start_ok_log_s: .*median=([\d.]+)/),
    dc: med(/failover class=dc start_ok_log_s: .*median=([\d.]+)/),
    move: med(/move start_ok_log_s: .*median=([\d.]+)/),
    rss: rows.length ? Math.max(...rows.map((r) => Number(r[1]))) : Number.NaN,
    cpu: rows.length
      ? rows.map((r) => Number(r[5])).reduce((a, b) => a + b, 0) / rows.length
      : Number.NaN,
  };
}

const v = await vigil();
const p = await pacemaker();
console.log(
  benchLine('failover', {
    vigil_nondc_median_ms: v.nondc!,
    vigil_dc_median_ms: v.dc!,
    vigil_move_median_ms: v.move!,
    vigil_rss_mib: v.rss!,
    vigil_idle_cpu_pct: v.cpu!,
    pacemaker_nondc_median_ms: p.nondc!,
    pacemaker_dc_median_ms: p.dc!,
    pacemaker_move_median_ms: p.move!,
    pacemaker_rss_mib: p.rss!,
    pacemaker_idle_cpu_pct: p.cpu!,
    ratio_nondc: p.nondc! / v.nondc!,
    ratio_dc: p.dc! / v.dc!,
  }),
);
