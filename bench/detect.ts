// bench detect: 3 msgd processes on loopback; kill -9 a follower and time until the leader
// reports it dead (its `membership … up:false` event reaches this process).
// Usage: node bench/dist/detect.js [--trials 20]
import { reportTrials } from './lib/stats.js';
import { MsgdCluster, allMembers, argNum, stable } from './lib/msg.js';

const trials = argNum('trials', 20);
const c = await MsgdCluster.create({ size: 3, tag: 'bench-detect' });
const samples: number[] = [];
try {
  for (let i = 0; i < trials; i++) {
    const leader = await stable(c);
    await allMembers(c, leader);
    const followers = c.nodes.filter((n) => n !== leader);
    const victim = followers[i % followers.length]!;
    // Let the detector settle on steady heartbeats again after the last restart.
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    victim.kill('SIGKILL');
    const dead = await leader.waitEvent(
      (e) => e.event.type === 'membership' && e.event.peer === victim.name && e.event.up === false,
      20_000,
      `${victim.name} to be marked dead`,
      t0,
    );
    const ms = dead.atMs - t0;
    samples.push(ms);
    console.log(`trial ${i + 1}: ${ms.toFixed(1)} ms (${victim.name} dead on ${leader.name})`);
    await victim.waitExit();
    await victim.start();
  }
} finally {
  await c.destroy();
}
reportTrials('detect', samples, { nodes: 3 });
