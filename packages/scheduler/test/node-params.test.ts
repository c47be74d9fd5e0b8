/**
 * Parameter-change detection per node, against Debian's crm_simulate 2.1.5: a primitive whose
 * parameters depend on the node (`#uname`, a permanent node attribute) is compared on each node
 * with the parameters evaluated for that node. A start recorded with the node's own digest is no
 * change; one recorded with the digest of the parameters evaluated without a node is a restart.
 * Rules compare strings without case, as the node side's (`@vigil/cib`) and Pacemaker's do.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCib } from '@vigil/cib';
import {
  extractTransitionSummary,
  formatSummaryLines,
  paramsDigest,
  sameSummary,
  schedule,
} from '@vigil/scheduler';
import { needs } from '@vigil/testkit';

const NOW = 1_700_000_100;

const digestOf = (fake: string): string => paramsDigest(new Map([['fake', fake]]));

/** `d` runs on `node`, its start recorded with the digest of `fake`. */
function cib(node: 'n1' | 'n2', recordedFake: string, unameValue = 'n1'): string {
  // Only the start: a recurring monitor's digest covers its own meta attributes too.
  const op = (id: string, opKey: string, operation: string, interval: number, callId: number) =>
    `<lrm_rsc_op id="${id}" operation_key="${opKey}" operation="${operation}" crm_feature_set="3.16.1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="${callId}" rc-code="0" op-status="0" interval="${interval}" last-rc-change="${NOW - 100}" exec-time="1" queue-time="0" op-digest="${digestOf(recordedFake)}"/>`;
  const lrm = (n: string): string =>
    n === node
      ? `<lrm id="${n}"><lrm_resources><lrm_resource id="d" class="ocf" provider="heartbeat" type="Dummy">${op('d_last_0', 'd_start_0', 'start', 0, 2)}</lrm_resource></lrm_resources></lrm>`
      : `<lrm id="${n}"><lrm_resources/></lrm>`;
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="n1">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>
      <node id="n1" uname="n1"/>
      <node id="n2" uname="n2"><instance_attributes id="n2-a"><nvpair id="n2-site" name="site" value="west"/></instance_attributes></node>
    </nodes>
    <resources>
      <primitive id="d" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="d-n1" score="10">
          <rule id="d-n1-r"><expression id="d-n1-e" attribute="#uname" operation="eq" value="${unameValue}"/></rule>
          <nvpair id="d-n1-fake" name="fake" value="one"/>
        </instance_attributes>
        <instance_attributes id="d-west" score="5">
          <rule id="d-west-r"><expression id="d-west-e" attribute="site" operation="eq" value="west"/></rule>
          <nvpair id="d-west-fake" name="fake" value="west"/>
        </instance_attributes>
        <instance_attributes id="d-def"><nvpair id="d-def-fake" name="fake" value="default"/></instance_attributes>
      </primitive>
    </resources>
    <constraints><rsc_location id="loc" rsc="d" node="${node}" score="100"/></constraints>
  </configuration>
  <status>
    <node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">${lrm('n1')}</node_state>
    <node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">${lrm('n2')}</node_state>
  </status>
</cib>`;
}

function crmSimulate(xml: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-node-params-'));
  try {
    const file = join(dir, 'cib.xml');
    writeFileSync(file, xml);
    const out = execFileSync('crm_simulate', ['-x', file, '-S'], {
      env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return extractTransitionSummary(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ours = (xml: string): string[] =>
  formatSummaryLines(schedule({ cib: readCib(xml).cib, nowSec: NOW }).summary);

describe('parameters per node in the digest check', () => {
  const cases: [string, 'n1' | 'n2', string, boolean, string?][] = [
    ['on n1 with its #uname value', 'n1', 'one', false],
    ['on n1 with its #uname value, the rule naming N1', 'n1', 'one', false, 'N1'],
    ['on n2 with its node attribute value', 'n2', 'west', false],
    ['on n1 with the value evaluated without a node', 'n1', 'default', true],
    ['on n2 with n1’s value', 'n2', 'one', true],
  ];
  for (const [what, node, fake, restarts, uname] of cases)
    it(`${what}: ${restarts ? 'a restart' : 'no change'}`, () => {
      const summary = ours(cib(node, fake, uname));
      assert.equal(
        summary.some((l) => /Restart\s+d\b/.test(l)),
        restarts,
        summary.join('\n'),
      );
      assert.equal(summary.length, restarts ? 1 : 0, summary.join('\n'));
    });

  // Whether it restarts, not why: without a recurring monitor in the history crm_simulate adds
  // "due to resource definition change" to a plain digest mismatch, which vigil does not.
  const noReason = (lines: string[]): string[] => lines.map((l) => l.replace(/\s+due to .*$/, ''));

  it('crm_simulate agrees on each', needs('cmd:crm_simulate'), () => {
    for (const [what, node, fake, , uname] of cases) {
      const xml = cib(node, fake, uname);
      const expected = noReason(crmSimulate(xml));
      const got = noReason(ours(xml));
      assert.ok(
        sameSummary(expected, got),
        `${what}\ncrm_simulate:\n${expected.join('\n')}\nvigil:\n${got.join('\n')}`,
      );
    }
  });
});
