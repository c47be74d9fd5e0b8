import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TransitionRun,
  applyEntry,
  emptyCib,
  place,
  type Cib,
  type CibEntry,
  type ClusterAction,
  type OpRecord,
  type PrimitiveDef,
} from '@vigil/controller';

const NODES = ['a', 'b', 'c'];
const meta = { who: 'test', wallMs: 0, term: 1 };

function dummy(id: string, m: Record<string, string> = {}): PrimitiveDef {
  return {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'heartbeat',
    type: 'Dummy',
    params: {},
    meta: m,
    ops: [{ name: 'monitor', intervalMs: 1000, timeoutMs: 5000 }],
  };
}

function cibWith(...entries: CibEntry[]): Cib {
  let cib = emptyCib();
  for (const n of NODES)
    cib = applyEntry(cib, { op: 'node-state', node: n, state: 'member' }, meta);
  for (const e of entries) cib = applyEntry(cib, e, meta);
  return cib;
}

const running: OpRecord = {
  op: 'monitor_1000',
  rc: 0,
  active: true,
  failed: false,
  wallMs: 0,
  durationMs: 1,
  reason: '',
};

function run(cib: Cib, o: { online?: string[]; stonith?: boolean } = {}) {
  return place({
    cib,
    nodes: NODES,
    online: new Set(o.online ?? NODES),
    quorate: true,
    stonithEnabled: o.stonith ?? true,
    noQuorumPolicy: 'stop',
    dc: 'a',
    transitionId: 1,
  });
}

const labels = (acts: readonly ClusterAction[]): string[] => acts.map((a) => a.label);

describe('interim placer', () => {
  it('places on the highest location score, and a ban keeps it off that node', () => {
    const cib = cibWith(
      { op: 'rsc-create', def: dummy('r') },
      {
        op: 'constraint-add',
        constraint: { kind: 'location', id: 'l1', rsc: 'r', node: 'b', score: 50 },
      },
    );
    assert.deepEqual(run(cib).placements[0]?.nodes, ['b']);
    const banned = applyEntry(
      cib,
      {
        op: 'constraint-add',
        constraint: { kind: 'location', id: 'ban', rsc: 'r', node: 'b', score: -1_000_000 },
      },
      meta,
    );
    const p = run(banned).placements[0]!;
    assert.ok(!p.nodes.includes('b'));
    assert.equal(p.scores.b, '-INFINITY');
  });

  it('moves resources off a standby node: stop there first, then start elsewhere', () => {
    let cib = cibWith(
      { op: 'rsc-create', def: dummy('r') },
      { op: 'node-set', node: 'a', standby: true },
    );
    cib = applyEntry(
      cib,
      { op: 'op-result', node: 'a', rsc: 'r', rec: running, countFailure: false },
      meta,
    );
    const g = run(cib).graph;
    const tr = new TransitionRun(g);
    assert.deepEqual(labels(tr.dispatchable(0)), ['stop r on a']);
    tr.complete(g.actions.find((x) => x.label === 'stop r on a')!.id, true);
    const next = labels(tr.dispatchable(0));
    assert.equal(next.length, 1);
    assert.match(next[0]!, /^start r on [bc]$/);
  });

  it('fences a lost node before recovering its resource elsewhere', () => {
    let cib = cibWith({ op: 'rsc-create', def: dummy('r') });
    cib = applyEntry(
      cib,
      { op: 'op-result', node: 'c', rsc: 'r', rec: running, countFailure: false },
      meta,
    );
    cib = applyEntry(cib, { op: 'node-state', node: 'c', state: 'lost' }, meta);
    const g = run(cib, { online: ['a', 'b'] }).graph;
    const tr = new TransitionRun(g);
    assert.deepEqual(labels(tr.dispatchable(0)), ['fence c'], 'only the fence can run first');
    tr.complete(g.actions.find((x) => x.kind === 'fence')!.id, true);
    assert.ok(labels(tr.dispatchable(0)).some((l) => /^start r on [ab]$/.test(l)));
  });

  it('without stonith, a lost node is assumed clean and nothing is fenced', () => {
    let cib = cibWith({ op: 'rsc-create', def: dummy('r') });
    cib = applyEntry(
      cib,
      { op: 'op-result', node: 'c', rsc: 'r', rec: running, countFailure: false },
      meta,
    );
    cib = applyEntry(cib, { op: 'node-state', node: 'c', state: 'lost' }, meta);
    const g = run(cib, { online: ['a', 'b'], stonith: false }).graph;
    assert.ok(!g.actions.some((x) => x.kind === 'fence'));
    assert.ok(
      labels(new TransitionRun(g).dispatchable(0)).some((l) => /^start r on [ab]$/.test(l)),
    );
  });

  it('recovers in place after a monitor failure, and moves once migration-threshold is reached', () => {
    let cib = cibWith({ op: 'rsc-create', def: dummy('r', { 'migration-threshold': '2' }) });
    const failed: OpRecord = {
      ...running,
      rc: 7,
      active: false,
      failed: true,
      reason: 'not running',
    };
    cib = applyEntry(
      cib,
      { op: 'op-result', node: 'b', rsc: 'r', rec: failed, countFailure: true },
      meta,
    );
    assert.deepEqual(labels(run(cib).graph.actions).slice(0, 2), ['stop r on b', 'start r on b']);
    cib = applyEntry(
      cib,
      { op: 'op-result', node: 'b', rsc: 'r', rec: failed, countFailure: true },
      meta,
    );
    const acts = labels(run(cib).graph.actions);
    assert.equal(acts[0], 'stop r on b');
    assert.match(acts[1]!, /^start r on [ac]$/);
  });

  it('keeps a group together and starts its members in order', () => {
    const cib = cibWith({
      op: 'rsc-create',
      def: { kind: 'group', id: 'g', meta: {}, members: [dummy('m1'), dummy('m2')] },
    });
    const res = run(cib);
    const g = res.graph;
    const tr = new TransitionRun(g);
    const first = tr.dispatchable(0);
    assert.deepEqual(
      first.map((x) => x.rsc),
      ['m1'],
    );
    tr.complete(first[0]!.id, true);
    const second = tr.dispatchable(0).filter((x) => x.kind === 'start');
    assert.deepEqual(
      second.map((x) => x.rsc),
      ['m2'],
    );
    assert.equal(second[0]!.node, first[0]!.node);
  });

  it('runs one clone instance on every node that can run it', () => {
    const cib = cibWith(
      { op: 'rsc-create', def: { kind: 'clone', id: 'cl', meta: {}, child: dummy('p') } },
      { op: 'node-set', node: 'c', standby: true },
    );
    assert.deepEqual(run(cib).placements[0]?.nodes.slice().sort(), ['a', 'b']);
  });

  it('refuses a duplicate id and a constraint on an unknown resource, changing nothing', () => {
    const cib = cibWith({ op: 'rsc-create', def: dummy('r') });
    assert.throws(
      () => applyEntry(cib, { op: 'rsc-create', def: dummy('r') }, meta),
      /VGL_E_EXISTS|exists/,
    );
    assert.throws(
      () =>
        applyEntry(
          cib,
          {
            op: 'constraint-add',
            constraint: { kind: 'location', id: 'x', rsc: 'nope', node: 'a', score: 1 },
          },
          meta,
        ),
      /no resource 'nope'/,
    );
    assert.equal(cib.config.constraints.length, 0);
  });

  it('keeps the configuration history: who changed what', () => {
    const cib = cibWith({ op: 'rsc-create', def: dummy('r') });
    assert.equal(cib.history.at(-1)?.who, 'test');
    assert.match(cib.history.at(-1)?.what ?? '', /create primitive r \(ocf:heartbeat:Dummy\)/);
  });
});
