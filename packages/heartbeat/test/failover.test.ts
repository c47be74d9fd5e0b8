import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@vigil/testkit';
import { MsgdCluster, type MsgdProc } from '@vigil/heartbeat/testing';

/** Proposes `n` entries through the leader and returns their texts (all acknowledged). */
async function commitSome(leader: MsgdProc, tag: string, n: number): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = `${tag}-${i}`;
    const r = await leader.propose(text);
    assert.equal(r.ok, true, `propose ${text} on ${leader.name}: ${JSON.stringify(r)}`);
    texts.push(text);
  }
  return texts;
}

async function assertHasAll(node: MsgdProc, texts: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      const have = new Set((await node.log()).map(([, t]) => t));
      return texts.every((t) => have.has(t));
    },
    { timeoutMs: 30_000, what: `${node.name} to apply every acknowledged entry` },
  );
}

/** Every node's applied sequence is a prefix of the longest one: nothing committed diverges. */
async function assertSameOrder(nodes: readonly MsgdProc[]): Promise<void> {
  const logs = await Promise.all(nodes.map((n) => n.log()));
  const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
  for (const [i, l] of logs.entries()) {
    assert.deepEqual(l, longest.slice(0, l.length), `${nodes[i]!.name} diverges`);
  }
}

for (const size of [3, 5]) {
  describe(`${size} msgd processes on loopback`, { timeout: 180_000 }, () => {
    it('kill -9 of the leader: a new leader commits; the restarted node loses nothing', async () => {
      await using c = await MsgdCluster.create({ size, tag: `fo${size}` });
      const first = await c.leader();
      const before = await commitSome(first, 'before', 10);
      const term1 = (await first.status()).term;
      first.kill('SIGKILL');
      await first.waitExit();
      const second = await c.leader(30_000);
      assert.notEqual(second.name, first.name);
      const st = await second.status();
      assert.ok(st.term > term1, `new term ${st.term} > ${term1}`);
      const after = await commitSome(second, 'after', 10);
      // Restart the killed node on its own state dir: it keeps and catches up every entry.
      await first.start();
      await assertHasAll(first, [...before, ...after]);
      const more = await commitSome(second, 'more', 5);
      for (const n of c.nodes) await assertHasAll(n, [...before, ...after, ...more]);
      await assertSameOrder(c.nodes);
    });
  });
}

describe('restart with state on disk', { timeout: 180_000 }, () => {
  it('a whole-cluster kill -9 and restart loses no acknowledged entry', async () => {
    await using c = await MsgdCluster.create({ size: 3, tag: 'rs' });
    const l = await c.leader();
    const acked = await commitSome(l, 'durable', 20);
    for (const n of c.nodes) n.kill('SIGKILL');
    for (const n of c.nodes) await n.waitExit();
    for (const n of c.nodes) await n.start();
    const l2 = await c.leader();
    const more = await commitSome(l2, 'again', 3);
    for (const n of c.nodes) await assertHasAll(n, [...acked, ...more]);
    await assertSameOrder(c.nodes);
  });
});
