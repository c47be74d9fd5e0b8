// bench fencer: what fencing costs on this machine, with real agents.
//   dummy_direct  fence_dummy `off` run directly through the stdin protocol: the floor
//   dummy_fence   AgentFencer.fence(off) on a fence_dummy device: off, then the verifying status
//   vigil_kill    AgentFencer.fence(off) of a process-group node with fence_vigil, confirmed off
//   overshoot     how far past its 500 ms timeout a hanging agent's attempt ends
// Usage: node bench/dist/fencer.js [TRIALS]
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock, SystemRandom } from '@vigil/base/real';
import { AgentFencer, NodeProcessRunner, resolveAgent, runAgent } from '@vigil/executor';
import { killGroup, tempDir, waitFor } from '@vigil/testkit';
import { benchLine, summarize } from './lib/stats.js';

const trials = Number(process.argv[2] ?? 20);
const runner = new NodeProcessRunner();
const real = { runner, clock: new SystemClock(), random: new SystemRandom() };
await using dir = await tempDir('bench-fencer');
const statusFile = join(dir.path, 'status');

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// 1. fence_dummy directly.
const dummy = resolveAgent('fence_dummy');
const direct: number[] = [];
for (let i = 0; i < trials; i++) {
  writeFileSync(statusFile, 'on');
  direct.push(
    await time(async () => {
      const r = await runAgent(
        runner,
        dummy,
        { action: 'off', params: { status_file: statusFile } },
        20_000,
      );
      if (!r.ok) throw new Error(r.summary);
    }),
  );
}

// 2. The same device through the fencer (meta-data is fetched once, before timing).
const fencer = new AgentFencer({
  ...real,
  devices: [
    { id: 'd', agent: 'fence_dummy', params: { status_file: statusFile, pcmk_host_check: 'none' } },
  ],
});
await fencer.metadata('d');
const viaFencer: number[] = [];
for (let i = 0; i < trials; i++) {
  writeFileSync(statusFile, 'on');
  viaFencer.push(
    await time(async () => {
      const r = await fencer.fence('n1', 'off');
      if (!r.ok) throw new Error(r.reason);
    }),
  );
}

// 3. fence_vigil killing a node's process group.
const start = join(dir.path, 'n1.start');
const pgidFile = join(dir.path, 'n1.pgid');
writeFileSync(
  start,
  `#!/bin/sh\necho $$ > ${pgidFile}.tmp && mv ${pgidFile}.tmp ${pgidFile}\nsleep 1000 & sleep 1000 &\nwait\n`,
);
chmodSync(start, 0o755);
const vigil = new AgentFencer({
  ...real,
  devices: [
    { id: 'v', agent: 'fence_vigil', params: { state_dir: dir.path, pcmk_host_list: 'n1' } },
  ],
});
await vigil.metadata('v');
const kill: number[] = [];
for (let i = 0; i < trials; i++) {
  const child = spawn(start, [], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(() => readPgid() === child.pid, { timeoutMs: 10_000, what: 'the node to start' });
  kill.push(
    await time(async () => {
      const r = await vigil.fence('n1', 'off');
      if (!r.ok) throw new Error(r.reason);
    }),
  );
  killGroup(child.pid, 'SIGKILL');
}

function readPgid(): number | undefined {
  try {
    return Number(readFileSync(pgidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
}

// 4. A hanging agent: how long past its timeout does its attempt end?
const hang = join(dir.path, 'fence_hang');
writeFileSync(hang, "#!/bin/sh\ntrap '' TERM\nsleep 1000 &\nwait\n");
chmodSync(hang, 0o755);
const hanging = new AgentFencer({
  ...real,
  devices: [
    {
      id: 'h',
      agent: hang,
      params: { pcmk_host_check: 'none', pcmk_host_argument: 'plug', pcmk_off_timeout: '500ms' },
    },
  ],
});
const overshoot: number[] = [];
for (let i = 0; i < Math.min(trials, 10); i++) {
  const r = await hanging.fence('n1', 'off');
  const a = r.attempts[0];
  if (r.ok || a?.timedOut !== true) throw new Error('the hanging agent did not time out');
  overshoot.push(a.durationMs - 500);
}

const d = summarize(direct);
const f = summarize(viaFencer);
const k = summarize(kill);
const o = summarize(overshoot);
console.log(
  `fence_dummy off direct:        median ${d.median.toFixed(1)} ms  p99 ${d.p99.toFixed(1)} ms  (n=${d.n})`,
);
console.log(
  `fencer off (fence_dummy+status): median ${f.median.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms`,
);
console.log(
  `fencer off (fence_vigil kill):  median ${k.median.toFixed(1)} ms  p99 ${k.p99.toFixed(1)} ms`,
);
console.log(
  `hanging agent, 500 ms timeout: ends ${o.median.toFixed(1)} ms late (median), ${o.max.toFixed(1)} ms max`,
);
console.log(
  benchLine('fencer', {
    trials,
    dummy_direct_median_ms: d.median,
    dummy_fence_off_median_ms: f.median,
    fence_over_direct_ratio: f.median / d.median,
    vigil_kill_group_median_ms: k.median,
    timeout_overshoot_median_ms: o.median,
    timeout_overshoot_max_ms: o.max,
  }),
);
