import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TransitionRun,
  applyEntry,
  countsAgainstThreshold,
  emptyCib,
  planTransition,
  type Cib,
  type CibEntry,
  type ClusterView,
  type PlannedAction,
} from '@vigil/controller';

/**
 * An imported promotable clone on the real scheduler, with agents simulated as
 * ocf:pacemaker:Stateful behaves (start: unpromoted with promotion score 5; promote: promoted,
 * score 10; monitor: 8 promoted, 0 unpromoted, 7 stopped; stop clears the score). The controller
 * must send promote to one node only, where the rule prefers, and promote another after that
 * node is lost and fenced.
 */
const XML = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="a"><instance_attributes id="n1"><nvpair id="n1-s" name="site" value="west"/></instance_attributes></node>
      <node id="2" uname="b"><instance_attributes id="n2"><nvpair id="n2-s" name="site" value="east"/></instance_attributes></node>
      <node id="3" uname="c"><instance_attributes id="n3"><nvpair id="n3-s" name="site" value="east"/></instance_attributes></node>
    </nodes>
    <resources>
      <clone id="st-clone">
        <meta_attributes id="st-clone-m">
          <nvpair id="st-clone-m-p" name="promotable" value="true"/>
        </meta_attributes>
        <primitive id="st" class="ocf" provider="pacemaker" type="Stateful">
          <operations>
            <op id="st-mp" name="monitor" interval="1s" role="Promoted"/>
            <op id="st-mu" name="monitor" interval="2s" role="Unpromoted"/>
          </operations>
        </primitive>
      </clone>
    </resources>
    <constraints>
      <rsc_location id="st-west" rsc="st-clone">
        <rule id="st-west-r" score="100" role="Promoted">
          <expression id="st-west-e" attribute="site" operation="eq" value="west"/>
        </rule>
      </rsc_location>
    </constraints>
  </configuration>
</cib>`;

const NODES = ['a', 'b', 'c'];
const NOW = 1_700_000_000;
let wall = NOW * 1000;

function apply(c: Cib, ...es: CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, { who: 'test', wallMs: (wall += 1000), term: 1 });
  return c;
}

function view(online: string[]): ClusterView {
  return {
    nodes: NODES,
    online: new Set(online),
    quorate: true,
    stonithEnabled: true,
    canFence: true,
    noQuorumPolicy: 'stop',
    dc: online[0],
  };
}

/** node → role of the Stateful instance there, as the agent's state file would say. */
type World = Map<string, 'Promoted' | 'Unpromoted'>;

function converge(
  c: Cib,
  world: World,
  v: ClusterView,
  log: string[],
  broken: ReadonlySet<string> = new Set(),
): Cib {
  for (let round = 0; round < 12; round++) {
    const plan = planTransition(c, v, NOW + round, round + 1);
    const run = new TransitionRun(plan.graph);
    if (!run.hasWork) return c;
    for (let step = 0; step < 80 && run.outcome === 'running'; step++)
      for (const a of run.dispatchable(step)) {
        const r = play(c, world, a, round, log, broken);
        c = r.cib;
        run.complete(a.id, r.ok);
      }
    assert.notEqual(run.outcome, 'running');
  }
  assert.fail(`did not settle:\n${log.join('\n')}`);
}

function play(
  c: Cib,
  world: World,
  a: PlannedAction,
  round: number,
  log: string[],
  broken: ReadonlySet<string>,
): { cib: Cib; ok: boolean } {
  const node = a.node!;
  if (a.task === 'stonith') {
    world.delete(node);
    log.push(`fence ${node}`);
    return { cib: apply(c, { op: 'node-state', node, state: 'fenced', fenced: true }), ok: true };
  }
  if (a.op === undefined) return { cib: c, ok: true };
  assert.equal(a.def?.type, 'Stateful', `${a.key} carries the resolved primitive`);
  log.push(`${a.op} ${a.rsc!}@${node}`);
  const score = (v: string | null): CibEntry => ({
    op: 'node-attr',
    node,
    name: 'master-st',
    value: v,
    scope: 'reboot',
  });
  const extra: CibEntry[] = [];
  let rc = 0;
  // A broken agent: the operation finds nothing to act on (as Stateful without its state file).
  const fails = broken.has(`${a.op}@${node}`);
  if (fails) rc = 7;
  else
    switch (a.op) {
      case 'start':
        world.set(node, 'Unpromoted');
        extra.push(score('5'));
        break;
      case 'promote':
        world.set(node, 'Promoted');
        extra.push(score('10'));
        break;
      case 'demote':
        world.set(node, 'Unpromoted');
        extra.push(score('5'));
        break;
      case 'stop':
        world.delete(node);
        extra.push(score(null));
        break;
      case 'cancel':
        break;
      case 'probe':
      case 'monitor': {
        const r = world.get(node);
        rc = r === 'Promoted' ? 8 : r === 'Unpromoted' ? 0 : 7;
        break;
      }
    }
  const active = fails ? a.op !== 'stop' : world.has(node);
  const op = a.op === 'monitor' ? `monitor_${a.intervalMs}` : a.op;
  c = apply(c, ...extra, {
    op: 'op-result',
    node,
    rsc: a.rsc!,
    rec: {
      op,
      rc,
      active,
      failed: fails,
      wallMs: wall,
      durationMs: 5,
      reason: fails ? 'not running' : '',
      task: a.op === 'probe' ? 'monitor' : a.op,
      intervalMs: a.intervalMs ?? 0,
    },
    countFailure: fails && countsAgainstThreshold(op),
    transitionKey: `${a.id}:${round + 1}:${a.op === 'probe' ? 7 : rc}:a-1`,
  });
  return { cib: c, ok: !fails };
}

describe('an imported promotable clone, scheduled and driven by the controller', () => {
  it('promotes exactly one instance, where the rule prefers; after that node is lost, another', () => {
    let c = apply(emptyCib(), { op: 'config-replace', xml: XML });
    c = apply(c, ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })));
    const world: World = new Map();
    const log: string[] = [];
    c = converge(c, world, view(NODES), log);
    const promoted = [...world].filter(([, r]) => r === 'Promoted').map(([n]) => n);
    assert.deepEqual(promoted, ['a'], log.join('\n'));
    assert.equal(world.size, 3, 'an unpromoted instance on every other node');
    assert.ok(
      log.some((l) => /^promote st(:\d)?@a$/.test(l)),
      'the promote went to the node side',
    );
    // a is lost: it is fenced, and one of b, c is promoted.
    log.length = 0;
    c = apply(c, { op: 'node-state', node: 'a', state: 'lost' });
    converge(c, world, view(['b', 'c']), log);
    assert.ok(log.includes('fence a'), log.join('\n'));
    const now = [...world].filter(([, r]) => r === 'Promoted').map(([n]) => n);
    assert.equal(now.length, 1, log.join('\n'));
    assert.ok(['b', 'c'].includes(now[0]!));
    assert.ok(log.indexOf('fence a') < log.findIndex((l) => l.startsWith('promote')));
  });

  it('a failing demote counts as a failure, the instance is stopped and promotion moves: no retry loop', () => {
    let c = apply(emptyCib(), { op: 'config-replace', xml: XML });
    c = apply(c, ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })));
    const world: World = new Map();
    const log: string[] = [];
    c = converge(c, world, view(NODES), log);
    assert.deepEqual(
      [...world].filter(([, r]) => r === 'Promoted').map(([n]) => n),
      ['a'],
    );
    // a goes into standby: its instance must be demoted and stopped, and demote fails.
    log.length = 0;
    c = apply(c, { op: 'node-set', node: 'a', standby: true });
    c = converge(c, world, view(NODES), log, new Set(['demote@a']));
    const demotes = log.filter((l) => /^demote .*@a$/.test(l)).length;
    assert.ok(demotes >= 1 && demotes <= 3, log.join('\n'));
    assert.ok(!world.has('a'), `a runs nothing in the end:\n${log.join('\n')}`);
    assert.equal([...world].filter(([, r]) => r === 'Promoted').length, 1, log.join('\n'));
    const attrs = c.status.nodes.a?.attributes ?? {};
    assert.ok(
      Object.keys(attrs).some((k) => /^fail-count-st(:\d)?#demote_0$/.test(k)),
      JSON.stringify(attrs),
    );
  });
});
