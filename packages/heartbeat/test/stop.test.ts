import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@vigil/testkit';
import { MsgdCluster } from '@vigil/heartbeat/testing';

describe('SIGSTOP of a follower', { timeout: 120_000 }, () => {
  it('the follower rejoins after 2 s without a new election (term unchanged)', async () => {
    await using c = await MsgdCluster.create({ size: 3, tag: 'stop' });
    const leader = await c.leader();
    const term = (await leader.status()).term;
    const follower = c.nodes.find((n) => n !== leader)!;
    const t0 = performance.now();
    follower.kill('SIGSTOP');
    // The leader sees the follower go and keeps committing with the other one.
    await leader.waitEvent(
      (e) =>
        e.event.type === 'membership' && e.event.peer === follower.name && e.event.up === false,
      10_000,
      'the stopped follower to leave the membership',
      t0,
    );
    const during: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await leader.propose(`during-${i}`);
      assert.equal(r.ok, true, JSON.stringify(r));
      during.push(`during-${i}`);
    }
    const left = performance.now() - t0;
    if (left < 2000) await sleep(2000 - left);
    follower.kill('SIGCONT');
    await leader.waitEvent(
      (e) => e.event.type === 'membership' && e.event.peer === follower.name && e.event.up === true,
      10_000,
      'the follower to rejoin',
      t0,
    );
    await waitFor(
      async () => {
        const have = new Set((await follower.log()).map(([, t]) => t));
        return during.every((t) => have.has(t));
      },
      { timeoutMs: 10_000, what: 'the follower to catch up' },
    );
    const r = await leader.propose('after');
    assert.equal(r.ok, true);
    for (const n of c.nodes) {
      const s = await n.status();
      assert.equal(s.term, term, `${n.name} term moved: no election may happen`);
      assert.equal(s.leader, leader.name);
    }
    const leaderEvents = c.nodes.flatMap((n) =>
      n.events.filter((e) => e.atMs >= t0 && e.event.type === 'leader'),
    );
    assert.deepEqual(leaderEvents, [], 'no leader change anywhere');
  });

  it('a node left alone refuses proposals with VGL_E_NO_QUORUM, then recovers', async () => {
    await using c = await MsgdCluster.create({ size: 3, tag: 'noq' });
    const leader = await c.leader();
    const others = c.nodes.filter((n) => n !== leader);
    const t0 = performance.now();
    for (const n of others) n.kill('SIGSTOP');
    await leader.waitEvent(
      (e) => e.event.type === 'quorum' && e.event.hasQuorum === false,
      15_000,
      'a quorum-lost event',
      t0,
    );
    const r = await leader.propose('alone', 3000);
    assert.equal(r.code, 'VGL_E_NO_QUORUM', JSON.stringify(r));
    assert.match(r.message ?? '', /1 of 3 votes \(needs 2\)/);
    const s = await leader.status();
    assert.equal(s.quorum.hasQuorum, false);
    for (const n of others) n.kill('SIGCONT');
    const back = await c.leader(20_000);
    assert.equal((await back.propose('together again')).ok, true);
  });
});
