/**
 * on-fail=demote: a promoted instance whose Promoted-role monitor fails is demoted in place
 * rather than recovered, then promoted again if it is still the best choice.
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
  normaliseSummary,
  sameSummary,
  schedule,
  type Transition,
} from '@vigil/scheduler';
import { needs } from '@vigil/testkit';

const DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8';
const KEY = '1:1:0:00000000-0000-0000-0000-000000000000';

/** Clone M of Stateful d, promoted on n1 (its Promoted monitor failed there), unpromoted on n2. */
function cib(promotionBan: boolean, failedDemote = false): string {
  const rec = (id: string, task: string, interval: number, rc: number, call: number): string =>
    `<lrm_rsc_op id="${id}" operation_key="d_${task}_${interval}" operation="${task}" crm_feature_set="3.4.0" transition-key="${KEY}" transition-magic="0:${rc};${KEY}" call-id="${call}" rc-code="${rc}" op-status="0" interval="${interval}" op-digest="${DIGEST}"/>`;
  const n1 = failedDemote
    ? rec('d_promote_0', 'promote', 0, 0, 3) + rec('d_last_0', 'demote', 0, 1, 5)
    : rec('d_last_0', 'promote', 0, 0, 3) +
      rec('d_monitor_10000', 'monitor', 10000, 8, 4) +
      rec('d_last_failure_0', 'monitor', 10000, 7, 4);
  const n2 = rec('d_last_0', 'start', 0, 0, 2) + rec('d_monitor_11000', 'monitor', 11000, 0, 3);
  const state = (node: string, master: number, ops: string): string =>
    `<node_state id="${node}" uname="${node}" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="${node}"><instance_attributes id="ta-${node}"><nvpair id="ta-${node}-m" name="master-d" value="${master}"/></instance_attributes></transient_attributes>
      <lrm id="${node}"><lrm_resources><lrm_resource id="d" class="ocf" provider="pacemaker" type="Stateful">${ops}</lrm_resource></lrm_resources></lrm></node_state>`;
  const ban = promotionBan
    ? '<rsc_location id="no-promote-n1" rsc="M" role="Promoted" node="n1" score="-INFINITY"/>'
    : '';
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="n1" execution-date="1767225600">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1" type="member"/><node id="n2" uname="n2" type="member"/></nodes>
    <resources>
      <clone id="M"><meta_attributes id="M-meta"><nvpair id="M-p" name="promotable" value="true"/><nvpair id="M-cm" name="clone-max" value="2"/></meta_attributes>
        <primitive id="d" class="ocf" provider="pacemaker" type="Stateful"><operations>
          <op id="d-mon-p" name="monitor" interval="10s" role="Promoted" on-fail="demote"/>
          <op id="d-mon-u" name="monitor" interval="11s" role="Unpromoted"/>
        </operations></primitive></clone>
    </resources>
    <constraints>${ban}</constraints>
  </configuration>
  <status>${state('n1', 10, n1)}${state('n2', 5, n2)}</status>
</cib>`;
}

function run(xml: string): Transition {
  const { cib: model } = readCib(xml);
  return schedule({ cib: model, nowSec: model.attributes.executionDate! });
}

const crm = needs('cmd:crm_simulate');

function crmAgrees(xml: string, t: Transition): void {
  if (crm.skip !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demote-'));
  try {
    const file = join(dir, 'cib.xml');
    writeFileSync(file, xml);
    const out = execFileSync('crm_simulate', ['-x', file, '-R'], {
      env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const theirs = extractTransitionSummary(out);
    const ours = formatSummaryLines(t.summary);
    assert.ok(
      sameSummary(ours, theirs),
      `crm_simulate:\n${theirs.join('\n')}\nvigil:\n${ours.join('\n')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (t: Transition): string[] => normaliseSummary(formatSummaryLines(t.summary));

describe('on-fail=demote', () => {
  it('still the best instance: demoted and promoted again in place, not recovered', () => {
    const xml = cib(false);
    const t = run(xml);
    assert.deepEqual(summary(t), normaliseSummary(['* Re-promote d:0 ( Promoted n1 )']));
    const tasks = t.graph.actions.filter((a) => a.node === 'n1' && !a.pseudo).map((a) => a.task);
    assert.ok(tasks.includes('demote') && tasks.includes('promote') && !tasks.includes('stop'));
    crmAgrees(xml, t);
  });

  it('may no longer be promoted there: demoted in place, another instance promoted', () => {
    const xml = cib(true);
    const t = run(xml);
    assert.deepEqual(
      summary(t),
      normaliseSummary([
        '* Demote d:0 ( Promoted -> Unpromoted n1 )',
        '* Promote d:1 ( Unpromoted -> Promoted n2 )',
      ]),
    );
    crmAgrees(xml, t);
  });
});

describe('a failed demote', () => {
  it('counts as demoted and failed: recovered as Unpromoted, then promoted again', () => {
    // The demote on n1 failed (rc 1): d is taken to be unpromoted there, and failed. It is
    // recovered (stop, start) and, still the best instance (10 > 5), promoted again.
    const xml = cib(false, true);
    const t = run(xml);
    assert.deepEqual(summary(t), normaliseSummary(['* Recover d:0 ( Unpromoted -> Promoted n1 )']));
    crmAgrees(xml, t);
  });
});
