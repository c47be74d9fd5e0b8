import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSeeds, simulate } from '@vigil/sim';

describe('raft simulator', () => {
  it('is deterministic: the same seed gives the same trace, another seed a different one', async () => {
    const a = await simulate({ seed: 1234, nodes: 5, trace: true });
    const b = await simulate({ seed: 1234, nodes: 5, trace: true });
    const c = await simulate({ seed: 1235, nodes: 5, trace: true });
    assert.ok(a.trace.length > 50, `${a.trace.length} trace lines`);
    assert.deepEqual(b.trace, a.trace);
    assert.deepEqual(b.stats, a.stats);
    assert.notDeepEqual(c.trace, a.trace);
  });

  for (const nodes of [3, 5, 7]) {
    it(`${nodes} nodes: 70 seeds of faults without a violation, converging after the faults stop`, async () => {
      const s = await runSeeds(10_000 + nodes * 1000, 70, { nodes });
      const report = s.failed.map((r) => `seed ${r.seed}: ${r.violations.join('; ')}`).join('\n');
      assert.equal(s.violations, 0, report);
      assert.ok(s.committedProposals > 70 * 20, `${s.committedProposals} proposals committed`);
      assert.ok(s.crashes > 70, `${s.crashes} crashes`);
    });
  }

  it('the faults really happen: crashes, torn tails, partitions, loss, transfers, reads, snapshots, conf changes', async () => {
    const totals: Record<string, number> = {};
    for (let seed = 1; seed <= 12; seed++) {
      const r = await simulate({ seed, nodes: [3, 5, 7][seed % 3]! });
      for (const [k, v] of Object.entries(r.stats as unknown as Record<string, number>))
        totals[k] = (totals[k] ?? 0) + v;
    }
    for (const k of [
      'crashes',
      'tornTails',
      'truncatedBytes',
      'partitions',
      'messagesDropped',
      'messagesDuplicated',
      'transfers',
      'reads',
      'snapshotsInstalled',
      'confChanges',
      'leaderChanges',
    ]) {
      assert.ok((totals[k] ?? 0) > 0, `${k}: ${totals[k]}`);
    }
  });

  it('the checkers catch a core that votes twice in a term', async () => {
    const v: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      v.push(
        ...(await simulate({ seed, nodes: [3, 5, 7][seed % 3]!, brokenCore: { voteTwice: true } }))
          .violations,
      );
    }
    assert.ok(
      v.some((x) => x.startsWith('two leaders in term')),
      v.join('\n'),
    );
  });

  it('the checkers catch a core that commits without a majority', async () => {
    const v: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const r = await simulate({
        seed,
        nodes: [3, 5, 7][seed % 3]!,
        brokenCore: { commitWithoutQuorum: true },
      });
      v.push(...r.violations);
    }
    assert.ok(
      v.some((x) => /lacks committed entries|at committed index|different history/.test(x)),
      v.join('\n'),
    );
  });
});
