// bench bigmsg: large Raft entries and snapshots in fragments. 3 msgd processes on loopback.
// For each size (1 MiB, 4 MiB of random bytes, which do not compress): `--trials` proposals, one
// at a time; commit_ms is the leader's own propose→commit time (a majority fsynced it), all_ms
// this process's time from the request until every node has applied it. Then a follower is
// stopped, the log compacted, and catchup_ms is the time from its restart until it has the
// snapshot and the entries after it. Fragment counters show what was lost on the way.
// `--socket-buffer BYTES` asks msgd for smaller socket buffers (Linux's default maximum is
// 212992), to see the loss and the smaller window such hosts get.
// Usage: node bench/dist/bigmsg.js [--trials 5] [--snapshot-mib 4] [--socket-buffer BYTES]
import { setTimeout as sleep } from 'node:timers/promises';
import { benchLine, summarize } from './lib/stats.js';
import { MsgdCluster, argNum, stable, type MsgdProc } from './lib/msg.js';

const trials = argNum('trials', 5);
const snapshotMib = argNum('snapshot-mib', 4);
const socketBuffer = argNum('socket-buffer', 4 * 1024 * 1024);
process.env.VIGIL_MSGD_SOCKET_BUFFER = String(socketBuffer);
const MiB = 1024 * 1024;

interface Frag {
  fragmentsSent: number;
  fragmentsReceived: number;
  messagesSent: number;
  messagesReceived: number;
  expired: number;
  dropped: Record<string, number>;
  window: number;
}

async function applied(n: MsgdProc, index: number): Promise<boolean> {
  const r = await n.request('log', String(index), 30_000);
  return (r.entries as [number, string][]).some(([i]) => i === index);
}

async function waitApplied(nodes: readonly MsgdProc[], index: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (const n of nodes) {
    while (!(await applied(n, index))) {
      if (performance.now() > deadline) throw new Error(`${n.name} never applied ${index}`);
      await sleep(2);
    }
  }
}

async function proposeBig(leader: MsgdProc, bytes: number): Promise<{ index: number; ms: number }> {
  const r = await leader.request('propose-big', `${bytes} 60000`, 90_000);
  if (!r.ok) throw new Error(`propose-big ${bytes}: ${r.code}: ${r.message}`);
  return { index: r.index as number, ms: r.ms as number };
}

/** Each node's fragment counters, printed. */
async function fragStats(cl: MsgdCluster): Promise<Frag[]> {
  const st = await Promise.all(cl.nodes.map((n) => n.status()));
  const fr = st.map((s) => s.fragments as Frag);
  for (const [i, n] of cl.nodes.entries()) console.log(`${n.name}: ${JSON.stringify(fr[i])}`);
  return fr;
}

const figures: Record<string, number> = {};
let c = await MsgdCluster.create({ size: 3, tag: 'bench-bigmsg' });
try {
  const leader = await stable(c);
  await proposeBig(leader, 256 * 1024); // warm-up
  for (const mib of [1, 4]) {
    const commit: number[] = [];
    const all: number[] = [];
    for (let t = 0; t < trials; t++) {
      const t0 = performance.now();
      const r = await proposeBig(leader, mib * MiB);
      await waitApplied(c.nodes, r.index);
      commit.push(r.ms);
      all.push(performance.now() - t0);
    }
    const cs = summarize(commit);
    const as = summarize(all);
    console.log(
      `${mib} MiB entry: commit min/median/max ${cs.min.toFixed(1)}/${cs.median.toFixed(1)}/${cs.max.toFixed(1)} ms, on all 3 nodes ${as.min.toFixed(1)}/${as.median.toFixed(1)}/${as.max.toFixed(1)} ms (${trials} trials)`,
    );
    figures[`commit_${mib}mib_median_ms`] = cs.median;
    figures[`all_${mib}mib_median_ms`] = as.median;
  }

  // A follower misses a compaction and catches up from the snapshot (a cluster of its own, so
  // the snapshot holds just these entries: --snapshot-mib of them, 1 MiB each).
  const first = await fragStats(c);
  await c.destroy();
  c = await MsgdCluster.create({ size: 3, tag: 'bench-bigmsg' });
  const leader2 = await stable(c);
  const lagger = c.nodes.find((n) => n !== leader2)!;
  await lagger.stop();
  let last = 0;
  for (let i = 0; i < snapshotMib; i++) last = (await proposeBig(leader2, MiB)).index;
  const compacted = await leader2.request('compact', '', 60_000);
  if (!compacted.ok) throw new Error(`compact: ${compacted.code}: ${compacted.message}`);
  const snapMib = (compacted.bytes as number) / MiB;
  const t0 = performance.now();
  await lagger.start();
  const t1 = performance.now();
  await waitApplied([lagger], last);
  figures.catchup_ms = performance.now() - t1;
  figures.snapshot_mib = snapMib;
  console.log(
    `catch-up of a restarted follower from a ${snapMib.toFixed(1)} MiB snapshot: ${figures.catchup_ms.toFixed(0)} ms from its ready line (process start before it: ${(t1 - t0).toFixed(0)} ms)`,
  );

  // Loss: with every node up (the first cluster), fragments sent that never arrived. The
  // catch-up cluster also sent fragments to the stopped follower, lost by design.
  const sum = (fr: Frag[], k: string): number => fr.reduce((n, f) => n + (f.dropped[k] ?? 0), 0);
  const sent = first.reduce((n, f) => n + f.fragmentsSent, 0);
  figures.window_fragments = first[0]?.window ?? 0;
  figures.fragments_sent = sent;
  figures.fragments_lost = sent - first.reduce((n, f) => n + f.fragmentsReceived, 0);
  figures.messages_stalled = sum(first, 'stalled');
  figures.messages_expired = first.reduce((n, f) => n + f.expired, 0);
  figures.catchup_resends_coalesced = sum(await fragStats(c), 'coalesced');
  console.log(benchLine('bigmsg', figures));
} finally {
  await c.destroy();
}
