import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isVigilError } from '@vigil/base';
import {
  applyEntry,
  cibFencing,
  cibFencingKey,
  configFromCibXml,
  emptyCib,
  primitives,
  schedulerCib,
  type Cib,
  type CibEntry,
} from '@vigil/controller';

/**
 * The CIB's stonith primitives and fencing-topology, mapped to what the DC's fencer takes:
 * device parameters (template, rsc_defaults and rules applied), disabled devices, levels by node
 * name, pattern and node attribute; malformed parts refused at import, naming them.
 */
const cib = (resources: string, topology = '', extra = ''): string =>
  `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="a"><instance_attributes id="n1"><nvpair id="n1-rack" name="rack" value="r1"/></instance_attributes></node>
      <node id="2" uname="b"><instance_attributes id="n2"><nvpair id="n2-rack" name="rack" value="r2"/></instance_attributes></node>
      <node id="3" uname="c"><instance_attributes id="n3"><nvpair id="n3-rack" name="rack" value="r1"/></instance_attributes></node>
    </nodes>
    <resources>${resources}</resources>
    <constraints/>
    ${extra}
    <fencing-topology>${topology}</fencing-topology>
  </configuration>
  <status/>
</cib>`;

const IPMI = `
  <primitive id="ipmi-a" class="stonith" type="fence_ipmilan">
    <instance_attributes id="ipmi-a-ia">
      <nvpair id="ipmi-a-ip" name="ip" value="10.0.0.11"/>
      <nvpair id="ipmi-a-hl" name="pcmk_host_list" value="a"/>
      <nvpair id="ipmi-a-delay" name="pcmk_delay_max" value="5s"/>
    </instance_attributes>
  </primitive>`;
const PDU = `
  <template id="apc" class="stonith" type="fence_apc">
    <instance_attributes id="apc-ia"><nvpair id="apc-login" name="username" value="admin"/></instance_attributes>
  </template>
  <primitive id="pdu" template="apc">
    <instance_attributes id="pdu-ia">
      <nvpair id="pdu-ip" name="ip" value="10.0.0.5"/>
      <nvpair id="pdu-map" name="pcmk_host_map" value="a:1;b:2;c:3"/>
      <nvpair id="pdu-off" name="pcmk_off_action" value="reboot"/>
    </instance_attributes>
    <meta_attributes id="pdu-meta"><nvpair id="pdu-role" name="target-role" value="Stopped"/></meta_attributes>
  </primitive>`;
const DUMMY = `<primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>`;

const meta = { who: 't', wallMs: 1_700_000_000_000, term: 1 };

function imported(xml: string): Cib {
  return applyEntry(emptyCib(), { op: 'config-replace', xml }, meta);
}

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    assert.ok(isVigilError(e), String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('expected a refusal');
}

describe('the CIB as fencing configuration', () => {
  it('maps stonith primitives to devices: agent, parameters with template, disabled', () => {
    const f = cibFencing(configFromCibXml(cib(IPMI + PDU + DUMMY)).config);
    assert.deepEqual(f.problems, []);
    assert.deepEqual(f.devices, [
      {
        id: 'ipmi-a',
        agent: 'fence_ipmilan',
        params: { ip: '10.0.0.11', pcmk_host_list: 'a', pcmk_delay_max: '5s' },
        disabled: false,
      },
      {
        id: 'pdu',
        agent: 'fence_apc',
        params: {
          ip: '10.0.0.5',
          pcmk_host_map: 'a:1;b:2;c:3',
          pcmk_off_action: 'reboot',
          username: 'admin',
        },
        disabled: true,
      },
    ]);
  });

  it('rsc_defaults target-role=Stopped disables a device too, as any resource', () => {
    const defaults = `<rsc_defaults><meta_attributes id="rd"><nvpair id="rd-tr" name="target-role" value="stopped"/></meta_attributes></rsc_defaults>`;
    const f = cibFencing(configFromCibXml(cib(IPMI, '', defaults)).config);
    assert.equal(f.devices[0]?.disabled, true);
  });

  it('maps fencing levels: by node name, by pattern, by node attribute (one per node)', () => {
    const topo = `
      <fencing-level id="l-a-1" target="a" index="1" devices="ipmi-a"/>
      <fencing-level id="l-a-2" target="a" index="2" devices="pdu,ipmi-a"/>
      <fencing-level id="l-pat" target-pattern="^[bc]$" index="1" devices="pdu"/>
      <fencing-level id="l-rack" target-attribute="rack" target-value="r1" index="3" devices="pdu"/>`;
    const f = cibFencing(configFromCibXml(cib(IPMI + PDU, topo)).config);
    assert.deepEqual(f.problems, []);
    assert.deepEqual(f.levels, [
      { id: 'l-a-1', index: 1, devices: ['ipmi-a'], target: 'a' },
      { id: 'l-a-2', index: 2, devices: ['pdu', 'ipmi-a'], target: 'a' },
      { id: 'l-pat', index: 1, devices: ['pdu'], targetPattern: '^[bc]$' },
      { id: 'l-rack', index: 3, devices: ['pdu'], target: 'a', byAttribute: 'rack=r1' },
      { id: 'l-rack', index: 3, devices: ['pdu'], target: 'c', byAttribute: 'rack=r1' },
    ]);
  });

  it('refuses at import a level with target-attribute but no target-value, naming it', () => {
    const topo = `<fencing-level id="l-bad" target-attribute="rack" index="1" devices="ipmi-a"/>`;
    const r = refusal(() => imported(cib(IPMI, topo)));
    assert.equal(r.code, 'VGL_E_CIB_INVALID');
    assert.match(r.message, /fencing-level l-bad: target-attribute rack needs target-value/);
  });

  it('refuses a fence device inside a group or clone, at import and from the CLI', () => {
    const grouped = `<group id="g"><primitive id="f1" class="stonith" type="fence_dummy"/>${DUMMY}</group>`;
    const r = refusal(() => imported(cib(grouped)));
    assert.equal(r.code, 'VGL_E_UNSUPPORTED');
    assert.match(
      r.message,
      /primitive f1: a fence device \(class stonith\) must be a top-level primitive, not in group g/,
    );
    const def = {
      kind: 'primitive' as const,
      id: 'f2',
      class: 'stonith',
      provider: '',
      type: 'fence_dummy',
      params: {},
      meta: {},
      ops: [],
    };
    const c = refusal(() =>
      applyEntry(
        emptyCib(),
        { op: 'rsc-create', def: { kind: 'clone', id: 'f2-clone', child: def, meta: {} } },
        meta,
      ),
    );
    assert.match(c.message, /f2: a fence device \(stonith\) must be a top-level primitive/);
    // Top-level, it is created, and it is no resource the node side runs or the scheduler places.
    const made = applyEntry(emptyCib(), { op: 'rsc-create', def }, meta);
    assert.deepEqual(
      cibFencing(made.config).devices.map((d) => d.id),
      ['f2'],
    );
    assert.deepEqual(primitives(made.config), []);
    const view = {
      nodes: ['a'],
      online: new Set(['a']),
      quorate: true,
      stonithEnabled: true,
      canFence: true,
      noQuorumPolicy: 'stop',
      dc: 'a',
    };
    assert.deepEqual(schedulerCib(made, view).configuration.resources, []);
  });

  it('deleting a device takes it out of the levels; a level left empty goes', () => {
    const topo = `
      <fencing-level id="l-a-1" target="a" index="1" devices="ipmi-a"/>
      <fencing-level id="l-a-2" target="a" index="2" devices="pdu,ipmi-a"/>
      <fencing-level id="l-b-1" target="b" index="1" devices="pdu"/>`;
    const c = applyEntry(imported(cib(IPMI + PDU, topo)), { op: 'rsc-delete', id: 'ipmi-a' }, meta);
    assert.deepEqual(
      c.config.fencingTopology.map((l) => [l.id, l.devices]),
      [
        ['l-a-2', 'pdu'],
        ['l-b-1', 'pdu'],
      ],
    );
    assert.deepEqual(
      cibFencing(c.config).devices.map((d) => d.id),
      ['pdu'],
    );
  });

  it('the fencing key changes with the fencing part only', () => {
    const base = imported(cib(IPMI + PDU + DUMMY));
    const key = (c: Cib): string => cibFencingKey(cibFencing(c.config));
    const step = (c: Cib, e: CibEntry): Cib => applyEntry(c, e, meta);
    const unrelated = step(base, { op: 'rsc-update', id: 'web', params: { x: '1' }, meta: {} });
    assert.equal(key(unrelated), key(base), 'a resource parameter');
    const moved = step(base, {
      op: 'constraint-add',
      constraint: { kind: 'location', id: 'l1', rsc: 'web', node: 'a', score: 10 },
    });
    assert.equal(key(moved), key(base), 'a constraint');
    const param = step(base, {
      op: 'rsc-update',
      id: 'ipmi-a',
      params: { pcmk_delay_max: '2s' },
      meta: {},
    });
    assert.notEqual(key(param), key(base), 'a device parameter');
    const enabled = step(base, {
      op: 'rsc-update',
      id: 'pdu',
      params: {},
      meta: { 'target-role': null },
    });
    assert.notEqual(key(enabled), key(base), 'a device enabled');
    assert.equal(cibFencing(enabled.config).devices[1]?.disabled, false);
  });
});
