import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isVigilError } from '@vigil/base';
import { TestCluster, bytes, voters } from './helpers.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (isVigilError(e)) return e.code;
    throw e;
  }
  return 'none';
};

describe('raft core: elections', () => {
  it('elects exactly one leader that every node knows, in term 2', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    assert.deepEqual(c.leaders(), [l]);
    for (const n of c.nodes.values()) {
      assert.equal(n.status().leader, l);
      assert.equal(n.status().term, 2); // bootstrap is term 1
    }
  });

  it('a single-node cluster elects itself and commits', () => {
    const c = new TestCluster(['solo']);
    assert.equal(c.elect(), 'solo');
    c.node('solo').propose(bytes('x'));
    c.settle();
    assert.deepEqual(c.data('solo'), ['x']);
  });

  it('pre-vote: a node back from a partition does not unseat a healthy leader', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    const f = [...c.nodes.keys()].find((x) => x !== l)!;
    const term = c.node(l).status().term;
    c.isolate(f);
    c.tick(100);
    assert.equal(c.node(f).status().term, term, 'pre-vote keeps the isolated term');
    c.heal();
    c.tick(30);
    assert.equal(c.leader(), l);
    assert.equal(c.node(l).status().term, term);
  });

  it('without pre-vote and check-quorum, the same partition does disrupt the leader', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    const l = c.elect();
    const f = [...c.nodes.keys()].find((x) => x !== l)!;
    const term = c.node(l).status().term;
    c.isolate(f);
    c.tick(100);
    assert.ok(c.node(f).status().term > term + 1);
    c.heal();
    c.tick(30);
    assert.ok(c.node(c.leader()!).status().term > term, 'the rejoining node forced a new term');
  });

  it('check-quorum: a leader cut off from its majority steps down; the majority elects another', () => {
    const c = new TestCluster(['a', 'b', 'c', 'd', 'e']);
    const l = c.elect();
    c.isolate(l);
    c.tick(25);
    assert.notEqual(c.node(l).status().role, 'leader');
    assert.equal(
      code(() => c.node(l).propose(bytes('x'))),
      'VGL_E_NOT_LEADER',
    );
    const l2 = c.leader();
    assert.ok(l2 !== undefined && l2 !== l);
    assert.equal(c.leaders().length, 1);
  });

  it('a leader whose majority went silent refuses proposals with VGL_E_NO_QUORUM before stepping down', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    c.isolate(l);
    const results: string[] = [];
    for (let i = 0; i < 12; i++) {
      c.node(l).tick();
      c.settle();
      results.push(code(() => c.node(l).propose(bytes('x'))));
    }
    const first = (x: string): number => results.indexOf(x);
    assert.ok(first('none') === 0, results.join());
    assert.ok(first('VGL_E_NO_QUORUM') > 0, results.join());
    assert.ok(first('VGL_E_NOT_LEADER') > first('VGL_E_NO_QUORUM'), results.join());
    assert.equal(c.node(l).status().quorum.hasQuorum, false);
  });

  it('exposes quorum state: voters, needed, active, and hasQuorum in soft state', () => {
    const c = new TestCluster(
      ['a', 'b', 'c', 'w'],
      {},
      {
        members: [
          { id: 'a', role: 'voter' },
          { id: 'b', role: 'voter' },
          { id: 'c', role: 'learner' },
          { id: 'w', role: 'witness' },
        ],
      },
    );
    const l = c.elect();
    const q = c.node(l).status().quorum;
    assert.deepEqual(q.voters, ['a', 'b', 'w']);
    assert.equal(q.needed, 2);
    assert.equal(q.hasQuorum, true);
    assert.deepEqual(
      c
        .node(l)
        .status()
        .membership.members.find((m) => m.id === 'w')?.role,
      'witness',
    );
  });
});

describe('raft core: replication', () => {
  it('commits proposals on every node in the same order', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    for (let i = 0; i < 20; i++) c.node(l).propose(bytes(`v${i}`));
    c.settle();
    c.tick(2);
    const want = Array.from({ length: 20 }, (_, i) => `v${i}`);
    for (const id of c.nodes.keys()) assert.deepEqual(c.data(id), want, id);
  });

  it('proposals on a follower fail with VGL_E_NOT_LEADER naming the leader', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    const f = [...c.nodes.keys()].find((x) => x !== l)!;
    try {
      c.node(f).propose(bytes('x'));
      assert.fail('propose on a follower succeeded');
    } catch (e) {
      assert.ok(isVigilError(e));
      assert.equal(e.code, 'VGL_E_NOT_LEADER');
      assert.equal(e.details['leader'], l);
    }
  });

  it('refuses oversized entries and too many uncommitted bytes with VGL_E_LIMIT', () => {
    const c = new TestCluster(['a', 'b', 'c'], { maxEntryBytes: 100, maxUncommittedBytes: 1000 });
    const l = c.elect();
    assert.equal(
      code(() => c.node(l).propose(new Uint8Array(101))),
      'VGL_E_LIMIT',
    );
    c.isolate(l);
    let n = 0;
    while (code(() => c.node(l).propose(new Uint8Array(90))) === 'none') n++;
    assert.ok(n >= 5 && n <= 10, `accepted ${n} uncommitted entries`);
  });

  it('flow control: at most maxInflightMsgs appends in flight, each within maxBatchBytes', () => {
    const c = new TestCluster(['a', 'b', 'c'], { maxInflightMsgs: 4, maxBatchBytes: 300 });
    const l = c.elect();
    c.hold = [];
    for (let i = 0; i < 100; i++) {
      c.node(l).propose(new Uint8Array(50));
      c.settle();
    }
    const appends = c.hold.filter((m) => m.type === 'append' && m.entries.length > 0);
    for (const to of c.nodes.keys()) {
      if (to === l) continue;
      const n = appends.filter((m) => m.to === to).length;
      assert.ok(n >= 1 && n <= 4, `${n} appends in flight to ${to}`);
    }
    for (const m of appends) {
      if (m.type !== 'append') continue;
      const size = m.entries.reduce(
        (s, e) => s + (e.kind === 'normal' ? 24 + e.data.length : 40),
        0,
      );
      assert.ok(m.entries.length === 1 || size <= 300, `batch of ${size} bytes`);
    }
    // Release the held traffic: everything still commits everywhere.
    const held = c.hold;
    c.hold = undefined;
    for (const m of held) c.deliver(m);
    c.settle();
    c.tick(5);
    for (const id of c.nodes.keys())
      assert.equal(
        c.applied.get(id)!.filter((e) => e.kind === 'normal' && e.data.length === 50).length,
        100,
        id,
      );
  });

  it('a follower whose log diverged is repaired by the new leader', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    c.node(l).propose(bytes('ok'));
    c.settle();
    c.isolate(l);
    for (let i = 0; i < 5; i++) c.node(l).propose(bytes(`lost${i}`));
    c.settle();
    c.tick(30);
    const l2 = c.leader()!;
    assert.notEqual(l2, l);
    c.node(l2).propose(bytes('after'));
    c.heal();
    c.tick(10);
    for (const id of c.nodes.keys()) assert.deepEqual(c.data(id), ['ok', 'after'], id);
  });
});

describe('raft core: transfer, reads, membership, snapshots', () => {
  it('transfers leadership to a caught-up follower with TimeoutNow', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    const target = [...c.nodes.keys()].find((x) => x !== l)!;
    const term = c.node(l).status().term;
    c.node(l).transferLeadership(target);
    c.settle();
    assert.equal(c.leader(), target);
    assert.equal(c.node(target).status().term, term + 1);
    assert.ok(c.sent.some((m) => m.type === 'timeoutNow' && m.to === target));
  });

  it('read-index: a leader with its majority answers; a cut-off leader never does', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    c.node(l).propose(bytes('x'));
    c.settle();
    c.node(l).readIndex('r1');
    c.settle();
    assert.deepEqual(c.reads.get(l), [{ requestId: 'r1', index: c.node(l).status().commit }]);
    c.isolate(l);
    c.node(l).readIndex('r2');
    c.settle();
    assert.equal(c.reads.get(l)!.length, 1);
    const f = [...c.nodes.keys()].find((x) => x !== l)!;
    assert.equal(
      code(() => c.node(f).readIndex('r3')),
      'VGL_E_NOT_LEADER',
    );
  });

  it('adds a learner, promotes it to witness, removes a voter; one change at a time', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    c.node(l).propose(bytes('before'));
    c.settle();
    c.add('w', { initialMembership: { members: [] }, seed: 9 });
    c.node(l).proposeConfChange({ type: 'addLearner', id: 'w' });
    assert.equal(
      code(() => c.node(l).proposeConfChange({ type: 'addWitness', id: 'w' })),
      'VGL_E_CONFLICT',
    );
    c.tick(3);
    assert.deepEqual(c.data('w'), ['before']);
    c.node(l).proposeConfChange({ type: 'addWitness', id: 'w' });
    c.tick(3);
    assert.deepEqual(c.node('w').status().quorum.voters, ['a', 'b', 'c', 'w']);
    assert.equal(
      code(() => c.node(l).proposeConfChange({ type: 'addWitness', id: 'w' })),
      'VGL_E_INVALID_INPUT',
    );
    const victim = [...c.nodes.keys()].find((x) => x !== l && x !== 'w')!;
    c.node(l).proposeConfChange({ type: 'remove', id: victim });
    c.tick(3);
    for (const id of c.nodes.keys()) {
      if (id === victim) continue;
      assert.equal(c.node(id).status().membership.members.length, 3, id);
      assert.equal(c.node(id).status().quorum.needed, 2, id);
    }
    // The removed node got the entry that removed it, so it knows it is out and stays quiet.
    assert.ok(
      !c
        .node(victim)
        .status()
        .membership.members.some((m) => m.id === victim),
    );
    c.node(l).propose(bytes('after'));
    c.tick(3);
    assert.deepEqual(c.data('w'), ['before', 'after']);
    assert.ok(
      !c.sent.some(
        (m) =>
          m.to === victim &&
          m.type === 'append' &&
          m.entries.some(
            (e) =>
              e.kind === 'normal' &&
              e.data.length > 0 &&
              new TextDecoder().decode(e.data) === 'after',
          ),
      ),
    );
  });

  it('a leader that removes itself steps down and the rest elect a new leader', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    c.node(l).propose(bytes('x'));
    c.settle();
    c.node(l).proposeConfChange({ type: 'remove', id: l });
    c.tick(2);
    assert.notEqual(c.node(l).status().role, 'leader');
    c.isolate(l);
    const l2 = c.elect();
    assert.notEqual(l2, l);
    c.node(l2).propose(bytes('y'));
    c.tick(2);
    assert.deepEqual(c.data(l2), ['x', 'y']);
  });

  it('a lagging follower catches up from a snapshot after the leader compacted its log', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const l = c.elect();
    const f = [...c.nodes.keys()].find((x) => x !== l)!;
    c.isolate(f);
    for (let i = 0; i < 10; i++) c.node(l).propose(bytes(`v${i}`));
    c.settle();
    const st = c.node(l).status();
    c.node(l).createSnapshot(st.applied, bytes(`state-at-${st.applied}`));
    assert.equal(c.node(l).status().firstIndex, st.applied + 1);
    c.heal();
    c.tick(5);
    assert.ok(c.sent.some((m) => m.type === 'snapshot' && m.to === f));
    assert.equal(c.node(f).status().commit, c.node(l).status().commit);
    assert.equal(c.node(f).status().firstIndex, st.applied + 1);
    c.node(l).propose(bytes('post'));
    c.tick(2);
    assert.deepEqual(c.data(f).slice(-1), ['post']);
  });

  it('restarts from persisted state with the same membership and log', () => {
    const c = new TestCluster(['a', 'b', 'c'], {}, voters('a', 'b', 'c'));
    const l = c.elect();
    c.node(l).propose(bytes('x'));
    c.tick(2);
    const n = c.node('b');
    const st = n.status();
    const entries = [];
    for (let i = 1; i <= st.lastIndex; i++) entries.push(n.entryAt(i)!);
    const again = new (n.constructor as typeof import('@vigil/raft').RawNode)({
      id: 'b',
      restore: {
        hardState: { term: st.term, vote: st.vote, commit: st.commit },
        snapshot: undefined,
        entries,
      },
    });
    assert.deepEqual(again.status().membership, st.membership);
    assert.equal(again.status().lastIndex, st.lastIndex);
    assert.equal(again.status().term, st.term);
  });
});
