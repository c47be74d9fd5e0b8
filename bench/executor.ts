// bench executor: (1) the overhead the executor adds per action over running the agent directly
// (ocf:heartbeat:Dummy monitor, 200 runs each, interleaved); (2) the executor's own RSS and CPU
// with 200 Dummy resources on 10 s recurring monitors.
// Usage: node bench/dist/executor.js [RUNS=200] [LOAD_SECONDS=60] [RESOURCES=200]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessResult, ProcessRunner, ProcessSpec } from '@vigil/base';
import {
  Executor,
  FileClusterPort,
  NodeProcessRunner,
  agentHostIn,
  buildOcfEnv,
  ocfAgentPath,
  type ResourceSpec,
} from '@vigil/executor';
import { benchLine, summarize } from './lib/stats.js';

const runs = Number(process.argv[2] ?? 200);
const loadSeconds = Number(process.argv[3] ?? 60);
const resources = Number(process.argv[4] ?? 200);
const MONITOR_INTERVAL_MS = 10_000;
const TIMEOUT_MS = 20_000;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-executor-'));
const host = agentHostIn(dir, 'bench1');
const cluster = new FileClusterPort(host.clusterStateFile, host.nodeName);
/** Counts the agent runs the executor starts (to show the monitors really ran). */
class CountingRunner implements ProcessRunner {
  runs = 0;
  private readonly inner = new NodeProcessRunner();
  run(spec: ProcessSpec, signal?: AbortSignal): Promise<ProcessResult> {
    this.runs++;
    return this.inner.run(spec, signal);
  }
}
const runner = new CountingRunner();
const ex = new Executor({ host, cluster, runner, maxConcurrentActions: 32 });

/** The agent run the way a shell would: the same environment, spawn, wait for exit. */
function direct(env: Record<string, string>, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(command, ['monitor'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
    c.on('error', reject);
    c.on('exit', (code) => {
      if (code !== 0) reject(new Error(`direct Dummy monitor exited ${code}`));
      else resolve(performance.now() - t0);
    });
  });
}

try {
  // (1) overhead per action
  const res: ResourceSpec = { id: 'bench-d', agent: 'ocf:heartbeat:Dummy' };
  const start = await ex.execute(res, { action: 'start', timeoutMs: TIMEOUT_MS });
  if (start.rc !== 0) throw new Error(`Dummy start failed: ${start.rcName} ${start.stderr}`);
  const env = buildOcfEnv({
    host,
    provider: 'heartbeat',
    type: 'Dummy',
    instance: 'bench-d',
    params: {},
    meta: {},
    action: 'monitor',
    intervalMs: 0,
    timeoutMs: TIMEOUT_MS,
  });
  const command = ocfAgentPath(host, 'heartbeat', 'Dummy');
  const directMs: number[] = [];
  const execMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    await direct(env, command);
    await ex.execute(res, { action: 'monitor', timeoutMs: TIMEOUT_MS });
  }
  for (let i = 0; i < runs; i++) {
    directMs.push(await direct(env, command));
    const t0 = performance.now();
    const r = await ex.execute(res, { action: 'monitor', timeoutMs: TIMEOUT_MS });
    execMs.push(performance.now() - t0);
    if (r.rc !== 0) throw new Error(`monitor through the executor: ${r.rcName}`);
  }
  await ex.execute(res, { action: 'stop', timeoutMs: TIMEOUT_MS });
  const d = summarize(directMs);
  const e = summarize(execMs);
  const overhead = e.median - d.median;
  console.log(
    `overhead: runs=${runs} direct median=${d.median.toFixed(2)}ms p99=${d.p99.toFixed(2)}ms; executor median=${e.median.toFixed(2)}ms p99=${e.p99.toFixed(2)}ms; overhead median=${overhead.toFixed(2)}ms`,
  );

  // (2) memory and CPU under load
  const many: ResourceSpec[] = Array.from({ length: resources }, (_, i) => ({
    id: `bench-r${i}`,
    agent: 'ocf:heartbeat:Dummy',
  }));
  const starts = await Promise.all(
    many.map((r) => ex.execute(r, { action: 'start', timeoutMs: TIMEOUT_MS })),
  );
  const bad = starts.filter((r) => r.rc !== 0).length;
  if (bad > 0) throw new Error(`${bad} Dummy starts failed`);
  let results = 0;
  let failures = 0;
  ex.onEvent((ev) => {
    if (ev.kind !== 'result' || !ev.recurring) return;
    results++;
    if (ev.result.rc !== 0) failures++;
  });
  const runs0 = runner.runs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const r of many) {
    ex.startRecurring(r, {
      action: 'monitor',
      intervalMs: MONITOR_INTERVAL_MS,
      timeoutMs: TIMEOUT_MS,
    });
  }
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  await new Promise((r) => setTimeout(r, loadSeconds * 1000));
  clearInterval(sampler);
  const wallMs = performance.now() - t0;
  const monitorRuns = runner.runs - runs0;
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const rssMiB = process.memoryUsage().rss / 1024 / 1024;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  // One run at once, then one per interval after each completion.
  const expectedRuns = resources * (1 + Math.floor(wallMs / MONITOR_INTERVAL_MS));
  console.log(
    `load: resources=${resources} interval=${MONITOR_INTERVAL_MS}ms window=${(wallMs / 1000).toFixed(1)}s monitor_runs=${monitorRuns} (at most ${expectedRuns}) reported_results=${results} failures=${failures} rss=${rssMiB.toFixed(1)}MiB peak_rss=${(peakRss / 1024 / 1024).toFixed(1)}MiB executor_cpu=${cpuPct.toFixed(2)}% (agents' own CPU not included)`,
  );
  for (const r of many) ex.cancel(r.id, 'monitor', MONITOR_INTERVAL_MS);
  await Promise.all(many.map((r) => ex.execute(r, { action: 'stop', timeoutMs: TIMEOUT_MS })));
  console.log(
    benchLine('executor', {
      overhead_median_ms: overhead,
      direct_median_ms: d.median,
      executor_median_ms: e.median,
      rss_mib: rssMiB,
      cpu_pct: cpuPct,
    }),
  );
} finally {
  await ex.close();
  rmSync(dir, { recursive: true, force: true });
}
