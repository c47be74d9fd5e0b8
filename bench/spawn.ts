// bench spawn: what starting one agent costs the daemon, forked by the daemon itself
// (NodeProcessRunner) or by the perl agent launcher (LauncherProcessRunner, what vigild uses).
// A fork copies the parent's page tables, so the daemon's size matters: the parent holds BALLAST
// MiB of touched memory (vigild is about 80 MiB). Jobs run one at a time with a gap, as a 1 s
// monitor does, so caches are cold as at idle. CPU counted: this process, plus the launcher's
// own (not the agent's: that is the same either way).
// Usage: node bench/dist/spawn.js [--jobs N] [--gap-ms MS] [--ballast 0,40,80]
import { readFileSync } from 'node:fs';
import type { ProcessRunner } from '@vigil/base';
import { LauncherProcessRunner, NodeProcessRunner } from '@vigil/executor';
import { CLK_TCK } from './lib/proc.js';

const args = process.argv.slice(2);
function opt(name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : (args[i + 1] ?? dflt);
}
const JOBS = Number(opt('jobs', '40'));
const GAP_MS = Number(opt('gap-ms', '250'));
const BALLAST = opt('ballast', '0,40,80').split(',').map(Number);
if (!Number.isInteger(JOBS) || JOBS < 1 || !(GAP_MS >= 0) || BALLAST.some((b) => !(b >= 0)))
  throw new Error('usage: spawn.js [--jobs N] [--gap-ms MS] [--ballast 0,40,80]');

const spec = {
  command: '/bin/true',
  args: [],
  env: { PATH: '/usr/bin:/bin' },
  timeoutMs: 20_000,
  maxOutputBytes: 65_536,
};

function ticksOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** CPU ms per job in this process and in the launcher. */
async function measure(runner: ProcessRunner, launcherPid: () => number | undefined) {
  for (let i = 0; i < 5; i++) await runner.run(spec); // warm the code paths and the launcher
  const l0 = ticksOf(launcherPid());
  const c0 = process.cpuUsage();
  for (let i = 0; i < JOBS; i++) {
    const r = await runner.run(spec);
    if (r.exitCode !== 0) throw new Error(`/bin/true exited ${r.exitCode}`);
    await new Promise((res) => setTimeout(res, GAP_MS));
  }
  const c = process.cpuUsage(c0);
  const launcherMs = ((ticksOf(launcherPid()) - l0) * 1000) / CLK_TCK;
  return { selfMs: (c.user + c.system) / 1000 / JOBS, launcherMs: launcherMs / JOBS };
}

const ballast: Buffer[] = [];
const out: string[] = [];
for (const mib of BALLAST) {
  while (ballast.length < mib) ballast.push(Buffer.alloc(1 << 20, 1));
  ballast.length = mib;
  const direct = await measure(new NodeProcessRunner(), () => undefined);
  const launcher = new LauncherProcessRunner();
  launcher.start();
  const viaLauncher = await measure(launcher, () => launcher.launcherPid());
  launcher.close();
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
  console.log(
    `ballast ${mib} MiB (rss ${rss.toFixed(0)} MiB): direct ${direct.selfMs.toFixed(2)} ms/job; ` +
      `launcher ${viaLauncher.selfMs.toFixed(2)} ms/job here + ${viaLauncher.launcherMs.toFixed(2)} in the launcher`,
  );
  out.push(
    `direct_${mib}mib_ms=${direct.selfMs.toFixed(2)} launcher_${mib}mib_ms=${(viaLauncher.selfMs + viaLauncher.launcherMs).toFixed(2)}`,
  );
}
console.log(`bench spawn: jobs=${JOBS} gap_ms=${GAP_MS} ${out.join(' ')}`);
