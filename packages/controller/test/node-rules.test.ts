import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyEntry,
  emptyCib,
  nodeRuleAttributes,
  planTransition,
  primitiveFor,
  recheckIntervalMs,
  DEFAULT_RECHECK_MS,
  resolvePrimitive,
  resolvePrimitiveOn,
  TransitionRun,
  type Cib,
  type CibEntry,
  type ClusterView,
  type PlannedAction,
} from '@vigil/controller';
import { paramsDigest } from '@vigil/scheduler';

/**
 * A primitive's parameters evaluated with the node and the time, as Pacemaker evaluates them for
 * an action (checked with crm_simulate 2.1.5: instance attributes per node and at the time, meta
 * attributes at the time but without the node), and the scheduler's digest check agreeing with
 * what the node side runs: no restart while the evaluated parameters stay the same on a node,
 * a restart when they change there.
 */
const NODES = ['a', 'b', 'c'];
const NOW = 1_700_000_000;
/** The date rule's boundary: `state` is `/tmp/early` before it, `/tmp/late` after. */
const BOUNDARY = NOW + 500;

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cibXml(prefer: string): string {
  return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="a" uname="a"/>
      <node id="b" uname="b"><instance_attributes id="b-attrs"><nvpair id="b-site" name="site" value="west"/></instance_attributes></node>
      <node id="c" uname="c"/>
    </nodes>
    <resources>
      <primitive id="d" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="d-on-a" score="10">
          <rule id="d-on-a-r"><expression id="d-on-a-e" attribute="#uname" operation="eq" value="a"/></rule>
          <nvpair id="d-on-a-fake" name="fake" value="on-a"/>
        </instance_attributes>
        <instance_attributes id="d-west" score="5">
          <rule id="d-west-r"><expression id="d-west-e" attribute="site" operation="eq" value="west"/></rule>
          <nvpair id="d-west-fake" name="fake" value="west"/>
        </instance_attributes>
        <instance_attributes id="d-early" score="3">
          <rule id="d-early-r"><date_expression id="d-early-e" operation="lt" end="${iso(BOUNDARY)}"/></rule>
          <nvpair id="d-early-state" name="state" value="/tmp/early"/>
        </instance_attributes>
        <instance_attributes id="d-base">
          <nvpair id="d-base-fake" name="fake" value="default"/>
          <nvpair id="d-base-state" name="state" value="/tmp/late"/>
        </instance_attributes>
        <meta_attributes id="d-m-a">
          <rule id="d-m-a-r"><expression id="d-m-a-e" attribute="#uname" operation="eq" value="a"/></rule>
          <nvpair id="d-m-a-x" name="note" value="on-a"/>
        </meta_attributes>
        <meta_attributes id="d-m-early">
          <rule id="d-m-early-r"><date_expression id="d-m-early-e" operation="lt" end="${iso(BOUNDARY)}"/></rule>
          <nvpair id="d-m-early-x" name="phase" value="early"/>
        </meta_attributes>
        <operations><op id="d-mon" name="monitor" interval="10s" timeout="20s"/></operations>
      </primitive>
    </resources>
    <constraints>
      <rsc_location id="prefer" rsc="d" node="${prefer}" score="100"/>
    </constraints>
  </configuration>
  <status/>
</cib>`;
}

function view(): ClusterView {
  return {
    nodes: NODES,
    online: new Set(NODES),
    quorate: true,
    stonithEnabled: false,
    canFence: true,
    noQuorumPolicy: 'stop',
    dc: 'a',
  };
}

let wall = NOW * 1000;
function apply(c: Cib, ...es: CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, { who: 'test', wallMs: (wall += 1000), term: 1 });
  return c;
}

function cluster(prefer: string): Cib {
  return apply(
    emptyCib(),
    { op: 'config-replace', xml: cibXml(prefer) },
    ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })),
  );
}

function on(c: Cib, node: string, nowSec: number): ReturnType<typeof resolvePrimitiveOn> {
  return primitiveFor(c, 'd', node, 'a', nowSec);
}

/**
 * Plays transitions at `nowSec` until there is nothing to do. Every action succeeds; each result
 * carries the digest of the parameters the action was sent with, as the node side records it.
 * Returns the actions run.
 */
function converge(c: Cib, nowSec: number): { cib: Cib; ran: PlannedAction[] } {
  const ran: PlannedAction[] = [];
  const where = new Set<string>();
  for (const [node, rscs] of Object.entries(c.status.ops))
    if (rscs.d?.active === true) where.add(node);
  for (let round = 0; round < 10; round++) {
    const plan = planTransition(c, view(), nowSec, round + 1);
    const run = new TransitionRun(plan.graph);
    if (!run.hasWork) return { cib: c, ran };
    for (let step = 0; step < 50 && run.outcome === 'running'; step++) {
      for (const a of run.dispatchable(step)) {
        ran.push(a);
        const node = a.node!;
        let rc = 0;
        if (a.op === 'start') where.add(node);
        else if (a.op === 'stop') where.delete(node);
        else if (a.op === 'probe' || a.op === 'monitor') rc = where.has(node) ? 0 : 7;
        c = apply(c, {
          op: 'op-result',
          node,
          rsc: a.rsc!,
          rec: {
            op: a.op === 'monitor' ? `monitor_${a.intervalMs}` : a.op!,
            rc,
            active: where.has(node),
            failed: false,
            wallMs: nowSec * 1000,
            durationMs: 5,
            reason: '',
            opDigest: paramsDigest(new Map(Object.entries(a.def!.params))),
          },
          countFailure: false,
        });
        run.complete(a.id, true);
      }
    }
  }
  assert.fail('the cluster did not settle in 10 transitions');
}

const started = (ran: PlannedAction[]): PlannedAction[] => ran.filter((a) => a.op === 'start');

describe('a primitive resolved for a node and a time', () => {
  const c = cluster('a');

  it('parameters take the node name, its permanent and transient attributes, and the time', () => {
    assert.equal(on(c, 'a', NOW)?.params.fake, 'on-a', '#uname rule');
    assert.equal(on(c, 'b', NOW)?.params.fake, 'west', 'permanent node attribute');
    assert.equal(on(c, 'c', NOW)?.params.fake, 'default', 'no rule passes on c');
    const transient = apply(c, {
      op: 'node-attr',
      node: 'c',
      name: 'site',
      value: 'west',
      scope: 'reboot',
    });
    assert.equal(on(transient, 'c', NOW)?.params.fake, 'west', 'transient node attribute');
    const overridden = apply(c, {
      op: 'node-attr',
      node: 'b',
      name: 'site',
      value: 'east',
      scope: 'reboot',
    });
    assert.equal(on(overridden, 'b', NOW)?.params.fake, 'default', 'transient over permanent');
    assert.equal(on(c, 'a', BOUNDARY - 1)?.params.state, '/tmp/early', 'before the date');
    assert.equal(on(c, 'a', BOUNDARY + 1)?.params.state, '/tmp/late', 'after the date');
  });

  it('meta attributes take the time but not the node, as Pacemaker 2.1', () => {
    assert.equal(on(c, 'a', NOW)?.meta.phase, 'early');
    assert.equal(on(c, 'a', BOUNDARY + 1)?.meta.phase, undefined);
    assert.equal(on(c, 'a', NOW)?.meta.note, undefined, 'a meta rule on #uname never applies');
  });

  it('without a node and a time, sets with node or date rules do not apply', () => {
    const d = resolvePrimitive(c.config, 'd');
    assert.deepEqual(d?.params, { fake: 'default', state: '/tmp/late' });
    assert.equal(d.meta.phase, undefined);
  });

  it('the built-in node attributes rules see', () => {
    const attrs = nodeRuleAttributes(c.config, 'b', { x: '1' }, 'a');
    assert.equal(attrs['#uname'], 'b');
    assert.equal(attrs['#is_dc'], 'false');
    assert.equal(attrs.site, 'west');
    assert.equal(attrs.x, '1');
    assert.equal(nodeRuleAttributes(c.config, 'a', {}, 'a')['#is_dc'], 'true');
  });

  it('a template’s values count after the primitive’s own', () => {
    const xml = cibXml('a')
      .replace(
        '<resources>',
        `<resources><template id="tpl" class="ocf" provider="heartbeat" type="Dummy">
          <instance_attributes id="tpl-ia" score="100"><nvpair id="tpl-fake" name="fake" value="tpl"/><nvpair id="tpl-x" name="x" value="from-tpl"/></instance_attributes>
        </template>`,
      )
      .replace(
        'class="ocf" provider="heartbeat" type="Dummy">\n        <instance_attributes id="d-on-a"',
        'template="tpl">\n        <instance_attributes id="d-on-a"',
      );
    const t = apply(emptyCib(), { op: 'config-replace', xml });
    const d = resolvePrimitiveOn(t.config, 'd', {
      node: 'c',
      nodeAttributes: nodeRuleAttributes(t.config, 'c', {}, 'a'),
      nowSec: NOW,
    });
    assert.equal(d?.params.fake, 'default');
    assert.equal(d.params.x, 'from-tpl');
  });
});

describe('the scheduler and the node side agree on a node’s parameters', () => {
  it('each action carries its node’s values, and a settled cluster stays settled', () => {
    const { cib, ran } = converge(cluster('a'), NOW);
    const start = started(ran);
    assert.deepEqual(
      start.map((a) => [a.node, a.def?.params.fake]),
      [['a', 'on-a']],
    );
    const probes = ran.filter((a) => a.op === 'probe');
    assert.deepEqual(probes.map((a) => [a.node, a.def?.params.fake]).sort(), [
      ['a', 'on-a'],
      ['b', 'west'],
      ['c', 'default'],
    ]);
    // The recorded digest is that of a's parameters: the scheduler finds no change.
    assert.deepEqual(planTransition(cib, view(), NOW + 100, 50).graph.actions, []);
  });

  it('moved to another node, the start there carries that node’s values', () => {
    let { cib } = converge(cluster('a'), NOW);
    cib = apply(cib, { op: 'config-replace', xml: cibXml('b') });
    const { ran } = converge(cib, NOW + 10);
    assert.deepEqual(
      ran.filter((a) => a.op === 'start' || a.op === 'stop').map((a) => [a.op, a.node]),
      [
        ['stop', 'a'],
        ['start', 'b'],
      ],
    );
    assert.equal(started(ran)[0]?.def?.params.fake, 'west');
  });

  it('a date rule restarts nothing until the evaluated value changes, then restarts once', () => {
    const { cib } = converge(cluster('a'), NOW);
    // Time passes, the parameters evaluate the same: nothing to do.
    assert.deepEqual(planTransition(cib, view(), BOUNDARY - 1, 60).graph.actions, []);
    // Past the boundary `state` changes on a: a restart there with the new value, then quiet.
    const after = converge(cib, BOUNDARY + 1);
    assert.deepEqual(
      after.ran.filter((a) => a.op === 'start' || a.op === 'stop').map((a) => [a.op, a.node]),
      [
        ['stop', 'a'],
        ['start', 'a'],
      ],
    );
    assert.equal(started(after.ran)[0]?.def?.params.state, '/tmp/late');
    assert.deepEqual(planTransition(after.cib, view(), BOUNDARY + 100, 61).graph.actions, []);
  });

  it('a node attribute change that changes the parameters on the node restarts it there', () => {
    let { cib } = converge(cluster('b'), NOW);
    // Unrelated attribute: nothing to do.
    cib = apply(cib, { op: 'node-attr', node: 'b', name: 'rack', value: '7', scope: 'reboot' });
    assert.deepEqual(planTransition(cib, view(), NOW + 10, 70).graph.actions, []);
    cib = apply(cib, { op: 'node-attr', node: 'b', name: 'site', value: 'east', scope: 'reboot' });
    const { ran } = converge(cib, NOW + 20);
    assert.deepEqual(
      ran.filter((a) => a.op === 'start' || a.op === 'stop').map((a) => [a.op, a.node]),
      [
        ['stop', 'b'],
        ['start', 'b'],
      ],
    );
    assert.equal(started(ran)[0]?.def?.params.fake, 'default');
  });
});

describe('cluster-recheck-interval', () => {
  const withRecheck = (value: string | undefined): Cib =>
    value === undefined
      ? cluster('a')
      : apply(cluster('a'), { op: 'property-set', name: 'cluster-recheck-interval', value });

  it('is read from the cluster options, 15 min by default, 0 to disable', () => {
    assert.equal(recheckIntervalMs(withRecheck(undefined).config), DEFAULT_RECHECK_MS);
    assert.equal(recheckIntervalMs(withRecheck('90s').config), 90_000);
    assert.equal(recheckIntervalMs(withRecheck('2min').config), 120_000);
    assert.equal(recheckIntervalMs(withRecheck('0').config), 0);
    assert.equal(recheckIntervalMs(withRecheck('soon').config), DEFAULT_RECHECK_MS, 'unreadable');
    assert.equal(recheckIntervalMs(withRecheck('9000h').config), 2_147_483_647, 'a timer’s limit');
  });
});

describe('node side and scheduler agree on random rules', () => {
  /** One expression of a set's rule, as XML (ids filled in by the caller). */
  const expression = fc.oneof(
    fc
      .record({
        op: fc.constantFrom('eq', 'ne'),
        v: fc.constantFrom('a', 'b', 'c', 'A', 'B', 'x'),
      })
      .map(({ op, v }) => `<expression ID attribute="#uname" operation="${op}" value="${v}"/>`),
    fc
      .record({
        op: fc.constantFrom('eq', 'ne'),
        v: fc.constantFrom('west', 'WEST', 'east'),
      })
      .map(({ op, v }) => `<expression ID attribute="site" operation="${op}" value="${v}"/>`),
    fc
      .record({
        op: fc.constantFrom('lt', 'gt', 'lte', 'gte', 'eq', 'ne'),
        v: fc.constantFrom('0', '2', '9', '10', '2.5', '10.0', '1.10'),
        type: fc.constantFrom('', 'integer', 'number', 'version', 'string'),
      })
      .map(
        ({ op, v, type }) =>
          `<expression ID attribute="rank" operation="${op}" value="${v}"${type === '' ? '' : ` type="${type}"`}/>`,
      ),
    fc
      .constantFrom('defined', 'not_defined')
      .map((op) => `<expression ID attribute="site" operation="${op}"/>`),
    fc
      .record({ op: fc.constantFrom('lt', 'gt'), d: fc.integer({ min: -100, max: 100 }) })
      .map(
        ({ op, d }) =>
          `<date_expression ID operation="${op}" ${op === 'lt' ? 'end' : 'start'}="${iso(NOW + d)}"/>`,
      ),
  );
  const set = fc.record({
    score: fc.integer({ min: 0, max: 50 }),
    and: fc.boolean(),
    exprs: fc.array(expression, { minLength: 1, maxLength: 2 }),
  });
  const attrs = fc.record(
    {
      site: fc.constantFrom('west', 'east', 'WEST'),
      rank: fc.constantFrom('0', '2', '3', '9', '10', '2.5', '1.9', '1.10', 'abc'),
    },
    { requiredKeys: [] },
  );
  const scenario = fc.record({
    sets: fc.array(set, { minLength: 1, maxLength: 4 }),
    permanent: fc.tuple(attrs, attrs, attrs),
    transient: fc.tuple(attrs, attrs, attrs),
    on: fc.constantFrom(...NODES),
  });

  function xml(s: typeof scenario extends fc.Arbitrary<infer T> ? T : never): string {
    const nodes = NODES.map((n, i) => {
      const nv = Object.entries(s.permanent[i]!)
        .map(([k, v]) => `<nvpair id="${n}-${k}" name="${k}" value="${v}"/>`)
        .join('');
      return `<node id="${n}" uname="${n}"><instance_attributes id="${n}-ia">${nv}</instance_attributes></node>`;
    }).join('');
    const sets = s.sets
      .map((x, i) => {
        const exprs = x.exprs.map((e, j) => e.replace('ID', `id="s${i}-e${j}"`)).join('');
        return (
          `<instance_attributes id="s${i}" score="${x.score}">` +
          `<rule id="s${i}-r" boolean-op="${x.and ? 'and' : 'or'}">${exprs}</rule>` +
          `<nvpair id="s${i}-fake" name="fake" value="set-${i}"/></instance_attributes>`
        );
      })
      .join('');
    return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>
      <crm_config/><nodes>${nodes}</nodes>
      <resources><primitive id="d" class="ocf" provider="heartbeat" type="Dummy">${sets}
        <instance_attributes id="base"><nvpair id="base-fake" name="fake" value="default"/></instance_attributes>
      </primitive></resources>
      <constraints><rsc_location id="prefer" rsc="d" node="${s.on}" score="INFINITY"/></constraints>
    </configuration><status/></cib>`;
  }

  it('a start recorded with the node side’s parameters is no change for the scheduler', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let c = apply(
          emptyCib(),
          { op: 'config-replace', xml: xml(s) },
          ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })),
        );
        NODES.forEach((node, i) => {
          for (const [name, value] of Object.entries(s.transient[i]!))
            c = apply(c, { op: 'node-attr', node, name, value, scope: 'reboot' });
        });
        const def = primitiveFor(c, 'd', s.on, 'a', NOW)!;
        c = apply(c, {
          op: 'op-result',
          node: s.on,
          rsc: 'd',
          rec: {
            op: 'start',
            rc: 0,
            active: true,
            failed: false,
            wallMs: NOW * 1000,
            durationMs: 5,
            reason: '',
            opDigest: paramsDigest(new Map(Object.entries(def.params))),
          },
          countFailure: false,
        });
        const moves = planTransition(c, view(), NOW, 1)
          .graph.actions.filter((a) => a.task === 'start' || a.task === 'stop')
          .map((a) => a.key);
        assert.deepEqual(moves, [], `fake=${def.params.fake} on ${s.on}\n${xml(s)}`);
      }),
      { numRuns: 300 },
    );
  });
});
