import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import { simulateCommand, explainCommand } from '../src/commands/scheduler.js';

function cib(extraConstraints: string, status: string): string {
  return `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy">
        <meta_attributes id="web-m"><nvpair id="web-st" name="resource-stickiness" value="50"/></meta_attributes>
      </primitive>
    </resources>
    <constraints>${extraConstraints}</constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">${status}</node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>`;
}

const running = `<lrm id="1"><lrm_resources><lrm_resource id="web" class="ocf" provider="heartbeat" type="Dummy">
<lrm_rsc_op id="web_last_0" operation="start" interval="0" op-status="0" rc-code="0" call-id="2" crm_feature_set="3.16.2" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8" transition-key="1:1:0:x"/>
</lrm_resource></lrm_resources></lrm>`;

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sched-'));
  const p = join(dir, 'cib.xml');
  writeFileSync(p, text);
  return p;
}

async function capture(cmd: typeof simulateCommand, args: string[]): Promise<string> {
  let out = '';
  const code = await cmd.run(args, { out: (t) => (out += t), err: () => undefined });
  assert.equal(code, 0);
  return out;
}

describe('vigil simulate / explain', () => {
  it('simulate prints the crm_simulate sections and the decision', async () => {
    const p = file(cib('<rsc_location id="pref" rsc="web" node="node2" score="100"/>', running));
    const out = await capture(simulateCommand, ['--xml', p]);
    for (const h of [
      'Current cluster status:',
      'Transition Summary:',
      'Executing Cluster Transition:',
      'Revised Cluster Status:',
    ])
      assert.ok(out.includes(h), `missing ${h}`);
    assert.match(out, /\* Move\s+web\s+\(\s*node1 -> node2\s*\)/);
  });

  it('simulate --json gives actions with reasons and ordering edges', async () => {
    const p = file(cib('<rsc_location id="pref" rsc="web" node="node2" score="100"/>', running));
    const g = JSON.parse(await capture(simulateCommand, ['--xml', p, '--json'])) as {
      actions: { task: string; node?: string; reason: string; id: number }[];
      edges: { before: number; after: number }[];
    };
    const stop = g.actions.find((a) => a.task === 'stop' && a.node === 'node1');
    const start = g.actions.find((a) => a.task === 'start' && a.node === 'node2');
    assert.ok(stop && start);
    assert.ok(start.reason.length > 0);
    assert.ok(g.edges.some((e) => e.before === stop.id && e.after === start.id));
  });

  it('explain names the constraint that moves the resource, and stickiness', async () => {
    const p = file(cib('<rsc_location id="pref" rsc="web" node="node2" score="100"/>', running));
    const e = JSON.parse(await capture(explainCommand, ['--xml', p, 'web', '--json'])) as {
      outcome: string;
      next: string;
      reasons: { kind: string; node?: string; text: string; score?: number }[];
    };
    assert.equal(e.outcome, 'move');
    assert.equal(e.next, 'node2');
    assert.ok(
      e.reasons.some((r) => r.kind === 'location' && r.node === 'node2' && r.text.includes('pref')),
    );
    assert.ok(
      e.reasons.some((r) => r.kind === 'stickiness' && r.node === 'node1' && r.score === 50),
    );
  });

  it('explain says a banned resource stays where stickiness holds it when the ban is weaker', async () => {
    const p = file(cib('<rsc_location id="avoid" rsc="web" node="node1" score="-20"/>', running));
    const e = JSON.parse(await capture(explainCommand, ['--xml', p, 'web', '--json'])) as {
      outcome: string;
      nodes: { node: string; score: number }[];
    };
    assert.equal(e.outcome, 'stay');
    assert.equal(e.nodes.find((n) => n.node === 'node1')?.score, 30);
  });

  it('rejects a missing resource and bad usage with stable codes', async () => {
    const p = file(cib('', running));
    await assert.rejects(
      capture(explainCommand, ['--xml', p, 'nope']),
      (e) => isVigilError(e) && e.code === 'VGL_E_NOT_FOUND',
    );
    await assert.rejects(
      capture(simulateCommand, []),
      (e) => isVigilError(e) && e.code === 'VGL_E_USAGE',
    );
    await assert.rejects(
      capture(simulateCommand, ['--xml', p, '--time', 'yesterday']),
      (e) => isVigilError(e) && e.code === 'VGL_E_USAGE',
    );
  });
});
