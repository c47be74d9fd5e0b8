import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEntry,
  emptyCib,
  planTransition,
  explainResource,
  schedulerCib,
  failcountsOf,
  TransitionRun,
  type Cib,
  type CibEntry,
  type ClusterView,
  type PlannedAction,
  type PrimitiveDef,
} from '@vigil/controller';
import { readCib, writeCib } from '@vigil/cib';
import { paramsDigest, schedule } from '@vigil/scheduler';

/**
 * The controller's planner on the real scheduler: a simulated DC loop (plan, "execute" by
 * recording what an agent would answer, plan again) over vigild's replicated state.
 */
const NODES = ['a', 'b', 'c'];
const NOW = 1_700_000_000;

function prim(id: string, meta: Record<string, string> = {}): PrimitiveDef {
  return {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'heartbeat',
    type: 'Dummy',
    params: { state: `/tmp/${id}.state` },
    meta,
    ops: [{ name: 'monitor', intervalMs: 500, timeoutMs: 10_000 }],
  };
}

function view(online = NODES, stonith = true): ClusterView {
  return {
    nodes: NODES,
    online: new Set(online),
    quorate: true,
    stonithEnabled: stonith,
    canFence: true,
    noQuorumPolicy: 'stop',
    dc: online[0],
  };
}

let wall = NOW * 1000;
function apply(c: Cib, ...es: CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, { who: 'test', wallMs: (wall += 1000), term: 1 });
  return c;
}

function members(c: Cib, nodes = NODES): Cib {
  return apply(c, ...nodes.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })));
}

/** Where the agents run each resource, as the test's "cluster" knows it. */
type World = Map<string, Set<string>>;

/** Plays transitions to the end; every action succeeds unless `fail` says otherwise. */
function converge(
  c: Cib,
  world: World,
  v: ClusterView = view(),
  fail: (a: PlannedAction) => boolean = () => false,
): { cib: Cib; keys: string[] } {
  const keys: string[] = [];
  for (let round = 0; round < 10; round++) {
    const plan = planTransition(c, v, NOW + round, round + 1);
    const run = new TransitionRun(plan.graph);
    if (!run.hasWork) return { cib: c, keys };
    for (let step = 0; step < 50 && run.outcome === 'running'; step++) {
      for (const a of run.dispatchable(step)) {
        keys.push(a.key);
        if (a.task === 'stonith') {
          world.forEach((s) => s.delete(a.node!));
          c = apply(c, { op: 'node-state', node: a.node!, state: 'fenced', fenced: true });
          run.complete(a.id, true);
          continue;
        }
        const where = world.get(a.rsc!) ?? new Set<string>();
        world.set(a.rsc!, where);
        const failed = fail(a);
        let rc = 0;
        let active = where.has(a.node!);
        if (a.op === 'start') {
          active = true;
          rc = failed ? 1 : 0;
          if (!failed) where.add(a.node!);
        } else if (a.op === 'stop') {
          active = false;
          where.delete(a.node!);
        } else if (a.op === 'probe') rc = active ? 0 : 7;
        else if (a.op === 'monitor') rc = active ? 0 : 7;
        const ok = a.op === 'probe' || rc === 0;
        const op = a.op === 'monitor' ? `monitor_${a.intervalMs}` : a.op!;
        c = apply(c, {
          op: 'op-result',
          node: a.node!,
          rsc: a.rsc!,
          rec: {
            op,
            rc,
            active,
            failed: !ok,
            wallMs: wall,
            durationMs: 5,
            reason: ok ? '' : `rc=${rc}`,
          },
          countFailure: !ok && a.op !== 'probe',
          transitionKey: `${a.id}:${round + 1}:${a.op === 'probe' ? 7 : 0}:a-1`,
        });
        run.complete(a.id, ok);
      }
    }
    assert.notEqual(run.outcome, 'running', 'every transition ends');
  }
  assert.fail('the cluster did not settle in 10 transitions');
}

function monitorFails(c: Cib, node: string, rsc: string, world: World): Cib {
  world.get(rsc)?.delete(node);
  return apply(c, {
    op: 'op-result',
    node,
    rsc,
    rec: {
      op: 'monitor_500',
      rc: 7,
      active: false,
      failed: true,
      wallMs: wall,
      durationMs: 3,
      reason: 'not running',
    },
    countFailure: true,
  });
}

describe('planTransition: the real scheduler drives the controller', () => {
  it('probes, starts with its monitor, then has nothing to do', () => {
    const world: World = new Map();
    let c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    const first = planTransition(c, view(), NOW, 1);
    const keys = first.graph.actions.map((a) => a.key);
    for (const n of NODES) assert.ok(keys.includes(`r1_monitor_0@${n}`), `probe on ${n}`);
    for (const a of first.graph.actions) assert.notEqual(a.reason, '', `${a.key} has a reason`);
    ({ cib: c } = converge(c, world));
    assert.equal(world.get('r1')?.size, 1);
    const [node] = [...world.get('r1')!];
    const ops = c.status.lrm?.[node!]?.r1 ?? [];
    assert.deepEqual(ops.map((o) => o.id).sort(), ['r1_last_0', 'r1_monitor_500']);
    const start = ops.find((o) => o.id === 'r1_last_0')!;
    assert.equal(start.operation, 'start');
    assert.equal(start.opDigest, paramsDigest(new Map([['state', '/tmp/r1.state']])));
    assert.match(start.transitionKey ?? '', /^\d+:\d+:0:a-1$/);
    assert.equal(planTransition(c, view(), NOW + 100, 99).graph.actions.length, 0);
  });

  it('a failed monitor restarts in place; at migration-threshold the resource moves', () => {
    const world: World = new Map();
    let c = members(
      apply(emptyCib(), { op: 'rsc-create', def: prim('r1', { 'migration-threshold': '2' }) }),
    );
    ({ cib: c } = converge(c, world));
    const [home] = [...world.get('r1')!];
    c = monitorFails(c, home!, 'r1', world);
    assert.equal(failcountsOf(c.status.nodes[home!]!.attributes).r1, 1);
    const plan = planTransition(c, view(), NOW + 10, 5);
    assert.ok(plan.graph.actions.some((a) => a.key === `r1_stop_0@${home}`));
    assert.ok(plan.graph.actions.some((a) => a.key === `r1_start_0@${home}`));
    ({ cib: c } = converge(c, world));
    assert.deepEqual([...world.get('r1')!], [home], 'restarted where it was');
    c = monitorFails(c, home!, 'r1', world);
    ({ cib: c } = converge(c, world));
    const [now] = [...world.get('r1')!];
    assert.notEqual(now, home, 'moved after the second failure');
    const x = explainResource(c, view(), NOW + 20, 'r1');
    assert.ok(x);
    assert.ok(
      x.reasons.some((r) => r.kind === 'failure'),
      x.text,
    );
  });

  it('a lost node is fenced before its resource starts elsewhere', () => {
    const world: World = new Map();
    let c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    ({ cib: c } = converge(c, world));
    const [home] = [...world.get('r1')!];
    c = apply(c, { op: 'node-state', node: home!, state: 'lost' });
    const online = NODES.filter((n) => n !== home);
    const plan = planTransition(c, view(online), NOW + 10, 7);
    const fence = plan.graph.actions.find((a) => a.task === 'stonith');
    const start = plan.graph.actions.find((a) => a.task === 'start');
    assert.equal(fence?.node, home);
    assert.ok(start);
    // The start waits (through the implied stop) on the fence.
    const before = new Map<number, number[]>();
    for (const e of plan.graph.edges)
      before.set(e.after, [...(before.get(e.after) ?? []), e.before]);
    const reaches = (to: number, from: number): boolean =>
      (before.get(to) ?? []).some((p) => p === from || reaches(p, from));
    assert.ok(reaches(start.id, fence!.id), 'start ordered after the fence');
    const r = converge(c, world, view(online));
    assert.equal(r.keys[0], fence!.key);
    assert.equal(world.get('r1')?.size, 1);
    assert.notEqual([...world.get('r1')!][0], home);
  });

  it('without fencing a lost node is written cleanly down: no stonith, recovery at once', () => {
    let c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    c = apply(c, { op: 'node-state', node: 'c', state: 'lost' });
    const plan = planTransition(c, view(['a', 'b'], false), NOW, 1);
    assert.ok(!plan.graph.actions.some((a) => a.task === 'stonith'));
  });

  it('fencing enabled but no fence device: nothing starts, and explain says why', () => {
    const c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    const v = { ...view(), canFence: false };
    const keys = planTransition(c, v, NOW, 1).graph.actions.map((a) => a.key);
    assert.ok(!keys.some((k) => k.startsWith('r1_start')), keys.join(' '));
    assert.match(explainResource(c, v, NOW, 'r1')?.text ?? '', /no fencing device/);
    assert.ok(
      planTransition(c, { ...v, stonithEnabled: false }, NOW, 2).graph.actions.some(
        (a) => a.task === 'start',
      ),
      'without fencing it starts',
    );
  });

  it('the scheduler input round-trips through @vigil/cib XML and schedules the same', () => {
    const world: World = new Map();
    let c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    ({ cib: c } = converge(c, world));
    c = monitorFails(c, [...world.get('r1')!][0]!, 'r1', world);
    const model = schedulerCib(c, view());
    const back = readCib(writeCib(model)).cib;
    const keys = (m: typeof model): string[] =>
      schedule({ cib: m, nowSec: NOW }).graph.actions.map((a) => a.key);
    assert.deepEqual(keys(back), keys(model));
    assert.ok(keys(model).length > 0);
  });

  it('cleanup forgets failures and history: the resource is probed again', () => {
    const world: World = new Map();
    let c = members(apply(emptyCib(), { op: 'rsc-create', def: prim('r1') }));
    ({ cib: c } = converge(c, world));
    const [home] = [...world.get('r1')!];
    c = monitorFails(c, home!, 'r1', world);
    c = apply(c, { op: 'cleanup', rsc: 'r1' });
    assert.deepEqual(failcountsOf(c.status.nodes[home!]!.attributes), {});
    const keys = planTransition(c, view(), NOW, 3).graph.actions.map((a) => a.key);
    assert.ok(keys.includes(`r1_monitor_0@${home}`), keys.join(' '));
  });

  it('a resource an import drops while it runs is stopped with its last definition, then forgotten', () => {
    const world: World = new Map();
    let c = members(
      apply(
        emptyCib(),
        { op: 'rsc-create', def: prim('r1') },
        { op: 'rsc-create', def: prim('r2') },
      ),
    );
    ({ cib: c } = converge(c, world));
    assert.equal(world.get('r1')?.size, 1);
    // r2 is stopped first (as `vigil resource delete` does): it is simply forgotten.
    c = apply(c, { op: 'rsc-update', id: 'r2', params: {}, meta: { 'target-role': 'Stopped' } });
    ({ cib: c } = converge(c, world));
    assert.equal(world.get('r2')?.size ?? 0, 0);
    c = apply(c, {
      op: 'config-replace',
      xml: '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>',
    });
    assert.deepEqual(Object.keys(c.status.orphans ?? {}), ['r1'], 'r1 runs: kept as an orphan');
    const plan = planTransition(c, view(), NOW + 50, 50);
    const stop = plan.graph.actions.find((a) => a.task === 'stop' && a.rsc === 'r1');
    assert.ok(stop?.runnable, plan.lines.join('\n'));
    assert.equal(stop.def?.params.state, '/tmp/r1.state', 'stopped with its last definition');
    const done = converge(c, world);
    c = done.cib;
    const keys = done.keys;
    assert.equal(world.get('r1')?.size ?? 0, 0, keys.join(' '));
    assert.ok(
      keys.some((k) => k.startsWith('r1_delete_0@')),
      keys.join(' '),
    );
    for (const n of NODES)
      assert.deepEqual(Object.keys(c.status.lrm?.[n] ?? {}), [], `nothing left on ${n}`);
    assert.equal(c.status.orphans, undefined);
  });
});
