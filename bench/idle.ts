// bench idle: the idle cost of the messaging layer. 3 msgd processes on 127.0.0.x (generated
// authkey, default settings); once a leader has committed and every node sees all members, each
// process's CPU (utime+stime from /proc/PID/stat) and RSS are sampled over --duration seconds.
// Usage: node bench/dist/idle.js [--duration 60] [--settle 3]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchLine } from './lib/stats.js';
import { MsgdCluster, allMembers, argNum, stable } from './lib/msg.js';
import { cpuTicks, CLK_TCK, rssMib } from './lib/proc.js';

const duration = argNum('duration', 60);
const settle = argNum('settle', 3);

const c = await MsgdCluster.create({ size: 3, tag: 'bench-idle' });
try {
  const leader = await stable(c);
  for (const n of c.nodes) await allMembers(c, n);
  await sleep(settle * 1000);
  const pids = c.nodes.map((n) => {
    if (n.pid === undefined) throw new Error(`${n.name} has no pid`);
    return n.pid;
  });
  const t0 = performance.now();
  const events0 = c.nodes.map((n) => n.events.length);
  const a = pids.map((p) => cpuTicks(readFileSync(`/proc/${p}/stat`, 'utf8')).self);
  const rssMax = pids.map(() => 0);
  for (let s = 0; s < duration; s++) {
    await sleep(1000);
    pids.forEach((p, i) => (rssMax[i] = Math.max(rssMax[i]!, rssMib(p))));
  }
  const secs = (performance.now() - t0) / 1000;
  const b = pids.map((p) => cpuTicks(readFileSync(`/proc/${p}/stat`, 'utf8')).self);
  const cpu = b.map((x, i) => ((x - a[i]!) / CLK_TCK / secs) * 100);
  // Events a node reported during the window (late heartbeats, link flaps): each one is work.
  const events = c.nodes.map((n, i) => {
    const counts = new Map<string, number>();
    for (const e of n.events.slice(events0[i]))
      counts.set(e.event.type, (counts.get(e.event.type) ?? 0) + 1);
    return [...counts].map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
  });
  const st = await Promise.all(c.nodes.map((n) => n.status()));
  for (const [i, n] of c.nodes.entries()) {
    if (!n.running) throw new Error(`${n.name} exited during the measurement`);
    console.log(
      `${n.name} pid ${pids[i]!}${n === leader ? ' (leader)' : ''}: cpu ${cpu[i]!.toFixed(2)} %, rss ${rssMax[i]!.toFixed(1)} MiB (max), term ${st[i]!.term}, events ${events[i]!}`,
    );
  }
  if (new Set(st.map((s) => s.term)).size !== 1 || st.some((s) => s.members.length !== 3))
    throw new Error('the cluster did not stay stable at idle (term or membership changed)');
  console.log(
    benchLine('idle', {
      nodes: 3,
      duration_s: duration,
      cpu_pct_per_node: cpu.reduce((x, y) => x + y, 0) / cpu.length,
      max_cpu_pct: Math.max(...cpu),
      rss_mib: Math.max(...rssMax),
    }),
  );
} finally {
  await c.destroy();
}
