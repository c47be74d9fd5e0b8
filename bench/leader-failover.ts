// bench leader-failover: 3 msgd processes on loopback; kill -9 the leader and time until a new
// leader has committed an entry in its term (its `leaderReady` event reaches this process).
// Usage: node bench/dist/leader-failover.js [--trials 20]
import { reportTrials } from './lib/stats.js';
import { MsgdCluster, allMembers, argNum, stable } from './lib/msg.js';

const trials = argNum('trials', 20);
const c = await MsgdCluster.create({ size: 3, tag: 'bench-failover' });
const samples: number[] = [];
try {
  for (let i = 0; i < trials; i++) {
    const leader = await stable(c);
    for (const n of c.nodes) await allMembers(c, n);
    const term = (await leader.status()).term;
    const survivors = c.nodes.filter((n) => n !== leader);
    const t0 = performance.now();
    leader.kill('SIGKILL');
    const ready = await Promise.any(
      survivors.map((n) =>
        n.waitEvent(
          (e) => e.event.type === 'leaderReady' && (e.event.term as number) > term,
          20_000,
          'a new leader to commit',
          t0,
        ),
      ),
    );
    const ms = ready.atMs - t0;
    samples.push(ms);
    console.log(
      `trial ${i + 1}: ${ms.toFixed(1)} ms (new leader ${String(ready.event.leader)}, term ${String(ready.event.term)})`,
    );
    await leader.waitExit();
    await leader.start();
  }
} finally {
  await c.destroy();
}
reportTrials('leader-failover', samples, { nodes: 3 });
