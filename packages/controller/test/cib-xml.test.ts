import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEntry,
  cibFencing,
  configFromCibXml,
  configToCibXml,
  describeCibConstraint,
  durationMs,
  emptyCib,
  nodeSettings,
  planTransition,
  primitives,
  properties,
  resolvePrimitive,
  utilizationOf,
  type Cib,
  type CibEntry,
  type ClusterView,
} from '@vigil/controller';
import { isVigilError } from '@vigil/base';

/**
 * A Pacemaker CIB configuration with what vigild's own model could not hold before: a promotable
 * clone, a rule-based location, resource sets, a template, a tag, rsc/op defaults, utilization,
 * a fence device. Import keeps all of it; export writes it back; the scheduler runs it.
 */
const FULL = `<cib validate-with="pacemaker-3.9" epoch="4" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stickiness" name="cluster-name" value="imported"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="a">
        <instance_attributes id="nodes-1"><nvpair id="nodes-1-site" name="site" value="east"/></instance_attributes>
        <utilization id="nodes-1-u"><nvpair id="nodes-1-u-cpu" name="cpu" value="4"/></utilization>
      </node>
      <node id="2" uname="b">
        <instance_attributes id="nodes-2"><nvpair id="nodes-2-site" name="site" value="west"/></instance_attributes>
      </node>
    </nodes>
    <resources>
      <clone id="db-clone">
        <meta_attributes id="db-clone-meta">
          <nvpair id="db-clone-meta-promotable" name="promotable" value="true"/>
          <nvpair id="db-clone-meta-pmax" name="promoted-max" value="1"/>
        </meta_attributes>
        <primitive id="db" class="ocf" provider="pacemaker" type="Stateful">
          <operations>
            <op id="db-mon-p" name="monitor" interval="5s" role="Promoted"/>
            <op id="db-mon-u" name="monitor" interval="6s" role="Unpromoted"/>
          </operations>
        </primitive>
      </clone>
      <primitive id="web" template="dummy-tpl">
        <instance_attributes id="web-ia"><nvpair id="web-ia-state" name="state" value="/tmp/web"/></instance_attributes>
      </primitive>
      <primitive id="fence-1" class="stonith" type="fence_dummy"/>
      <template id="dummy-tpl" class="ocf" provider="heartbeat" type="Dummy">
        <meta_attributes id="dummy-tpl-meta"><nvpair id="dummy-tpl-meta-mt" name="migration-threshold" value="2"/></meta_attributes>
        <operations><op id="dummy-tpl-mon" name="monitor" interval="7s" timeout="9s"/></operations>
      </template>
    </resources>
    <constraints>
      <rsc_location id="db-east" rsc="db-clone">
        <rule id="db-east-rule" score="100" role="Promoted">
          <expression id="db-east-expr" attribute="site" operation="eq" value="east"/>
        </rule>
      </rsc_location>
      <rsc_colocation id="web-with-db" score="INFINITY">
        <resource_set id="web-with-db-0" role="Promoted"><resource_ref id="db-clone"/></resource_set>
        <resource_set id="web-with-db-1"><resource_ref id="web"/></resource_set>
      </rsc_colocation>
      <rsc_order id="db-then-web" kind="Mandatory">
        <resource_set id="db-then-web-0" action="promote"><resource_ref id="db-clone"/></resource_set>
        <resource_set id="db-then-web-1"><resource_ref id="apps"/></resource_set>
      </rsc_order>
    </constraints>
    <rsc_defaults>
      <meta_attributes id="rsc-options"><nvpair id="rsc-options-st" name="resource-stickiness" value="100"/></meta_attributes>
      <meta_attributes id="rsc-stateful" score="10">
        <rule id="rsc-stateful-rule"><rsc_expression id="rsc-stateful-expr" class="ocf" provider="pacemaker" type="Stateful"/></rule>
        <nvpair id="rsc-stateful-ft" name="failure-timeout" value="60s"/>
      </meta_attributes>
    </rsc_defaults>
    <op_defaults>
      <meta_attributes id="op-options"><nvpair id="op-options-timeout" name="timeout" value="30s"/></meta_attributes>
    </op_defaults>
    <tags>
      <tag id="apps"><obj_ref id="web"/></tag>
    </tags>
  </configuration>
  <status/>
</cib>`;

const meta = { who: 'test', wallMs: 1_700_000_000_000, term: 1 };

function apply(c: Cib, ...es: CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, meta);
  return c;
}

describe('Pacemaker CIB XML import and export', () => {
  it('keeps a whole configuration: promotable clone, rules, sets, template, tag, defaults', () => {
    const { config, warnings } = configFromCibXml(FULL);
    assert.deepEqual(warnings, [], 'a fence device is no reason to warn: the DC fences with it');
    assert.deepEqual(
      cibFencing(config).devices.map((d) => [d.id, d.agent]),
      [['fence-1', 'fence_dummy']],
    );
    // Export, import again: the same configuration.
    const xml = configToCibXml(config, 9);
    assert.match(xml, /<cib [^>]*epoch="9"/);
    assert.deepEqual(configFromCibXml(xml).config, config);
    for (const part of [
      /<nvpair [^>]*name="promotable" value="true"/,
      /<rule [^>]*id="db-east-rule"/,
      /<resource_set [^>]*id="web-with-db-0"/,
      /<template [^>]*id="dummy-tpl"/,
      /<tag id="apps">/,
      /<rsc_defaults>/,
      /<op_defaults>/,
      /<utilization id="nodes-1-u">/,
    ])
      assert.match(xml, part);
    // The node side runs a templated primitive with the template's agent and meta.
    const web = resolvePrimitive(config, 'web');
    assert.ok(web);
    assert.equal(web.type, 'Dummy');
    assert.equal(web.params.state, '/tmp/web');
    assert.equal(web.meta['migration-threshold'], '2');
    assert.equal(web.meta['resource-stickiness'], '100', 'rsc_defaults reach the primitive');
    assert.equal(web.meta['failure-timeout'], undefined, 'a Dummy is not a Stateful');
    assert.equal(
      resolvePrimitive(config, 'db')?.meta['failure-timeout'],
      '60s',
      'rsc_defaults for ocf:pacemaker:Stateful (rsc_expression)',
    );
    assert.deepEqual(web.ops, [{ name: 'monitor', intervalMs: 7000, timeoutMs: 9000 }]);
    assert.deepEqual(
      primitives(config).map((p) => [p.prim.id, p.top.id, p.top.promotable]),
      [
        ['db', 'db-clone', true],
        ['web', 'web', false],
      ],
      'fence devices are not run as resources',
    );
    assert.equal(nodeSettings(config, 'a').utilization.cpu, '4');
    assert.match(
      describeCibConstraint(config.constraints[0]!),
      /db-east: location db-clone by 1 rule \(db-east-rule\)/,
    );
  });

  it('imports as one entry, and the scheduler runs it', () => {
    let c = apply(emptyCib(), { op: 'config-replace', xml: FULL });
    assert.equal(c.configVersion, 1);
    assert.match(c.history.at(-1)!.what, /replace configuration \(3 resources, 3 constraints\)/);
    c = apply(
      c,
      ...['a', 'b'].map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })),
    );
    const view: ClusterView = {
      nodes: ['a', 'b'],
      online: new Set(['a', 'b']),
      quorate: true,
      stonithEnabled: true,
      canFence: true,
      noQuorumPolicy: 'stop',
      dc: 'a',
    };
    const plan = planTransition(c, view, 1_700_000_000, 1);
    const keys = plan.graph.actions.filter((a) => !a.pseudo).map((a) => a.key);
    // Nothing known yet: every node probes db and web first, nothing of fence-1.
    assert.ok(
      keys.some((k) => /^db(:\d)?_monitor_0@a$/.test(k)),
      keys.join(' '),
    );
    assert.ok(!keys.some((k) => k.startsWith('fence-1')), keys.join(' '));
    const probe = plan.graph.actions.find((a) => a.key.startsWith('web_monitor_0'));
    assert.equal(probe?.def?.type, 'Dummy', 'actions carry the resolved primitive');
  });

  it('edits the imported configuration in place, keeping what the CLI does not know', () => {
    let c = apply(emptyCib(), { op: 'config-replace', xml: FULL });
    c = apply(
      c,
      { op: 'rsc-update', id: 'db-clone', params: {}, meta: { 'target-role': 'Stopped' } },
      { op: 'node-set', node: 'b', standby: true },
      { op: 'property-set', name: 'no-quorum-policy', value: 'freeze' },
      {
        op: 'constraint-add',
        constraint: {
          kind: 'location',
          id: 'cli-ban-web-on-b',
          rsc: 'web',
          node: 'b',
          score: -1_000_000,
        },
      },
    );
    c = apply(c, {
      op: 'rsc-update',
      id: 'web',
      params: { state: null, extra: '1' },
      meta: {},
      utilization: { cpu: '2' },
    });
    assert.deepEqual(resolvePrimitive(c.config, 'web')?.params, { extra: '1' });
    assert.deepEqual(utilizationOf(c.config, 'web'), { cpu: '2' });
    assert.throws(
      () => applyEntry(c, { op: 'rsc-update', id: 'db-clone', params: { x: '1' }, meta: {} }, meta),
      /only primitives take parameters/,
    );
    assert.equal(nodeSettings(c.config, 'b').standby, true);
    assert.equal(
      nodeSettings(c.config, 'b').attributes.site,
      'west',
      'the imported attribute stays',
    );
    assert.equal(properties(c.config)['no-quorum-policy'], 'freeze');
    assert.equal(properties(c.config)['cluster-name'], 'imported');
    const xml = configToCibXml(c.config, c.configVersion);
    assert.match(xml, /name="target-role" value="Stopped"/);
    assert.match(xml, /<rsc_location id="cli-ban-web-on-b" rsc="web" node="b" score="-INFINITY"/);
    assert.match(xml, /<rule [^>]*id="db-east-rule"/);
    // Deleting web drops it from the sets and the tag; the order set of the tag goes empty.
    c = apply(c, { op: 'rsc-delete', id: 'web' });
    assert.deepEqual(
      c.config.constraints.map((k) => k.id),
      ['db-east', 'web-with-db', 'db-then-web'],
    );
    assert.deepEqual(
      c.config.constraints[1]!.sets.map((s) => s.resources),
      [['db-clone']],
    );
    assert.deepEqual(c.config.tags[0]!.refs, []);
    // What export writes is still a valid CIB.
    assert.doesNotThrow(() => configFromCibXml(configToCibXml(c.config, c.configVersion)));
  });

  it('refuses, naming them, bundles and remote nodes, and changes nothing', () => {
    const bundle = FULL.replace(
      '</resources>',
      '<bundle id="bu"><docker image="x"/></bundle><primitive id="rn" class="ocf" provider="pacemaker" type="remote"/></resources>',
    );
    const before = apply(emptyCib(), { op: 'config-replace', xml: FULL });
    assert.throws(
      () => applyEntry(before, { op: 'config-replace', xml: bundle }, meta),
      (e: unknown) =>
        isVigilError(e) &&
        e.code === 'VGL_E_UNSUPPORTED' &&
        /bundle bu/.test(e.message) &&
        /primitive rn: Pacemaker Remote/.test(e.message),
    );
    assert.throws(
      () => applyEntry(before, { op: 'config-replace', xml: '<cib><configuration>' }, meta),
      (e: unknown) => isVigilError(e),
    );
  });

  it('reads configurations written by older vigild', () => {
    const old = {
      resources: [
        {
          kind: 'primitive',
          id: 'd1',
          class: 'ocf',
          provider: 'heartbeat',
          type: 'Dummy',
          params: { fake: 'x' },
          meta: {},
          ops: [{ name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000 }],
        },
      ],
      constraints: [{ kind: 'location', id: 'l1', rsc: 'd1', node: 'a', score: -1_000_000 }],
      nodes: { a: { standby: true, maintenance: false } },
      properties: { 'stonith-enabled': 'true' },
    };
    const c = apply(emptyCib(), { op: 'config-replace', config: old });
    assert.equal(resolvePrimitive(c.config, 'd1')?.params.fake, 'x');
    assert.equal(nodeSettings(c.config, 'a').standby, true);
    assert.equal(properties(c.config)['stonith-enabled'], 'true');
    assert.match(
      configToCibXml(c.config, 1),
      /<rsc_location id="l1" rsc="d1" node="a" score="-INFINITY"/,
    );
  });

  it('reads Pacemaker durations', () => {
    assert.equal(durationMs('10'), 10_000);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('2min'), 120_000);
    assert.equal(durationMs('PT30S'), 30_000);
    assert.throws(() => durationMs('soon'), /not a duration/);
  });
});
