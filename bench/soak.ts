// bench soak: 3 msgd processes on loopback for --duration seconds (default 600) while busy
// processes load every core, with a light stream of proposals. Counts leader changes and
// membership changes after the cluster settled: with no faults injected, every one is spurious.
// Usage: node bench/dist/soak.js [--duration 600] [--busy N (default: one per core)] [--rate 20]
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Reply } from '@vigil/heartbeat/testing';
import { benchLine } from './lib/stats.js';
import { MsgdCluster, allMembers, argNum, stable } from './lib/msg.js';

const durationS = argNum('duration', 600);
const busy = argNum('busy', availableParallelism());
const rate = argNum('rate', 20);
const c = await MsgdCluster.create({ size: 3, tag: 'bench-soak' });
const hogs: ChildProcess[] = [];
let leaderChanges = 0;
let elections = 0;
let membershipChanges = 0;
let lates = 0;
let linkDowns = 0;
let committed = 0;
let failed = 0;
try {
  let leader = await stable(c);
  for (const n of c.nodes) await allMembers(c, n);
  for (let i = 0; i < busy; i++) {
    hogs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  }
  const t0 = performance.now();
  for (const n of c.nodes) {
    n.onEvent((e) => {
      const t = ((e.atMs - t0) / 1000).toFixed(1);
      if (e.event.type === 'leaderReady') {
        // A leader established in a new term: with no fault injected, a spurious leader change.
        leaderChanges++;
        console.log(`[${t}s] ${n.name}: new leader ${JSON.stringify(e.event)}`);
      } else if (e.event.type === 'leader') {
        if (e.event.role === 'preCandidate' || e.event.role === 'candidate') elections++;
        console.log(`[${t}s] ${n.name}: raft role ${JSON.stringify(e.event)}`);
      } else if (e.event.type === 'membership') {
        membershipChanges++;
        console.log(`[${t}s] ${n.name}: membership change ${JSON.stringify(e.event)}`);
      } else if (e.event.type === 'late') lates++;
      else if (e.event.type === 'link' && e.event.up === false) linkDowns++;
    });
  }
  const end = t0 + durationS * 1000;
  let lastReport = t0;
  while (performance.now() < end) {
    const r = await leader
      .propose(`soak-${committed}`)
      .catch((e: unknown): Reply => ({ id: '', ok: false, code: 'harness', message: String(e) }));
    if (r.ok) committed++;
    else {
      failed++;
      const t = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`[${t}s] proposal failed on ${leader.name}: ${r.code ?? ''}: ${r.message ?? ''}`);
      // Follow the leader if it moved.
      const named = c.nodes.find((n) => n.name === r.details?.leader);
      if (named) leader = named;
    }
    await new Promise((res) => setTimeout(res, 1000 / rate));
    if (performance.now() - lastReport > 60_000) {
      lastReport = performance.now();
      console.log(
        `[${((lastReport - t0) / 1000).toFixed(0)}s] committed=${committed} failed=${failed} leader_changes=${leaderChanges} elections_started=${elections} membership_changes=${membershipChanges} late_heartbeats=${lates}`,
      );
    }
  }
  for (const n of c.nodes) {
    const s = await n.status();
    console.log(
      `${n.name}: role=${s.role} term=${s.term} detector_stalls_forgiven=${String(s.detectorStalls)} raft_io=${JSON.stringify(s.raftIo)}`,
    );
  }
} finally {
  for (const h of hogs) h.kill('SIGKILL');
  await c.destroy();
}
console.log(
  `busy_processes=${busy} committed=${committed} failed_proposals=${failed} late_heartbeats=${lates} link_downs=${linkDowns}`,
);
console.log(
  benchLine('soak', {
    duration_s: String(durationS),
    busy_processes: String(busy),
    committed: String(committed),
    failed_proposals: String(failed),
    late_heartbeats: String(lates),
    elections_started: String(elections),
    spurious_leader_changes: String(leaderChanges),
    spurious_membership_changes: String(membershipChanges),
  }),
);
