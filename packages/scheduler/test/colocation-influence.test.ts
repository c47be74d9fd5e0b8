/**
 * Placement rules found by comparing vigil with crm_simulate 2.1.5 on the scale bench's CIBs
 * (bench/scheduler), each reduced to a few resources. Every case checks the placement the rule
 * implies and, where crm_simulate is installed, that both tools print the same Transition
 * Summary for the CIB.
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
  sameSummary,
  schedule,
  type Transition,
} from '@vigil/scheduler';
import { needs } from '@vigil/testkit';

const DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8';
const MON_DIGEST = '4811cef7f7f94e3a35a70be7916cb2fd';

interface Running {
  readonly rsc: string;
  readonly node: string;
}

/** A CIB with Dummy primitives (optionally some in one group), all-probed history, stickiness 100. */
function cib(opts: {
  nodes: number;
  prims: string[];
  group?: { id: string; members: string[] };
  running: Running[];
  constraints: string[];
}): string {
  const nodes = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  const prim = (id: string): string =>
    `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
  const all = [...(opts.group?.members ?? []), ...opts.prims];
  let call = 0;
  const op = (rsc: string, node: string, task: string, interval: number, rc: number): string => {
    const target = task === 'monitor' && interval === 0 ? 7 : 0;
    const key = `1:1:${target}:00000000-0000-0000-0000-000000000000`;
    const id = interval === 0 ? `${rsc}_last_0` : `${rsc}_${task}_${interval}`;
    return `<lrm_rsc_op id="${id}" operation_key="${rsc}_${task}_${interval}" operation="${task}" crm_feature_set="3.16.1" transition-key="${key}" transition-magic="0:${rc};${key}" on_node="${node}" call-id="${++call}" rc-code="${rc}" op-status="0" interval="${interval}" last-rc-change="1767225000" exec-time="10" queue-time="0" op-digest="${interval === 0 ? DIGEST : MON_DIGEST}"/>`;
  };
  const states = nodes
    .map((n) => {
      const lrm = all
        .map((r) => {
          const here = opts.running.some((x) => x.rsc === r && x.node === n);
          const ops = here
            ? op(r, n, 'start', 0, 0) + op(r, n, 'monitor', 10000, 0)
            : op(r, n, 'monitor', 0, 7);
          return `<lrm_resource id="${r}" class="ocf" provider="pacemaker" type="Dummy">${ops}</lrm_resource>`;
        })
        .join('');
      return `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="${n}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;
    })
    .join('\n');
  const group = opts.group
    ? `<group id="${opts.group.id}">${opts.group.members.map(prim).join('')}</group>`
    : '';
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.0" have-quorum="1" dc-uuid="n1" execution-date="1767225600">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes>${nodes.map((n) => `<node id="${n}" uname="${n}" type="member"/>`).join('')}</nodes>
    <rsc_defaults><meta_attributes id="rd"><nvpair id="rd-s" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>
    <resources>${group}${opts.prims.map(prim).join('')}</resources>
    <constraints>${opts.constraints.join('')}</constraints>
  </configuration>
  <status>
${states}
  </status>
</cib>`;
}

function run(xml: string): Transition {
  const { cib: model } = readCib(xml);
  return schedule({ cib: model, nowSec: model.attributes.executionDate! });
}

function assigned(t: Transition, id: string): string | null | undefined {
  return t.ws.byId.get(id)?.assigned;
}

const crm = needs('cmd:crm_simulate');

function crmAgrees(xml: string, t: Transition): void {
  if (crm.skip !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-coloc-'));
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

describe('colocation influence and order (found at scale)', () => {
  it('a group colocated with a primary pulls it with its first member scaled and the other members whole', () => {
    // p runs on n1 (stickiness 100). g (3 members, each sticky on n2) follows p with 500: its first
    // member adds 100×500/INFINITY, rounded up to 1, and the two others 100 each: 201 > 100.
    const xml = cib({
      nodes: 2,
      prims: ['p'],
      group: { id: 'g', members: ['m1', 'm2', 'm3'] },
      running: [
        { rsc: 'p', node: 'n1' },
        { rsc: 'm1', node: 'n2' },
        { rsc: 'm2', node: 'n2' },
        { rsc: 'm3', node: 'n2' },
      ],
      constraints: ['<rsc_colocation id="c1" rsc="g" with-rsc="p" score="500"/>'],
    });
    const t = run(xml);
    assert.equal(assigned(t, 'p'), 'n2');
    assert.equal(assigned(t, 'm1'), 'n2');
    assert.equal(t.ws.byId.get('p')!.finalScores!.get('n2'), 201);
    crmAgrees(xml, t);
  });

  it("a dependent's colocations are taken in its primaries' id order, and an optional one that leaves no node is dropped", () => {
    // d runs on n1. It must run with a (on n2, listed second) and prefers not to run with b (also
    // on n2, listed first). Taken by primary id, the mandatory one comes first, so the -500 would
    // leave no usable node and is dropped: d moves to n2 instead of stopping.
    const xml = cib({
      nodes: 3,
      prims: ['a', 'b', 'd'],
      running: [
        { rsc: 'a', node: 'n2' },
        { rsc: 'b', node: 'n2' },
        { rsc: 'd', node: 'n1' },
      ],
      constraints: [
        '<rsc_colocation id="c1" rsc="d" with-rsc="b" score="-500"/>',
        '<rsc_colocation id="c2" rsc="d" with-rsc="a" score="INFINITY"/>',
      ],
    });
    const t = run(xml);
    assert.equal(assigned(t, 'd'), 'n2');
    assert.equal(t.ws.byId.get('d')!.finalScores!.get('n2'), 0);
    crmAgrees(xml, t);
  });

  it('a primary placed for a dependent sees the colocations the dependent has applied so far', () => {
    // d (on n1, placed first) must run with a and with b. a is placed first for it and goes to
    // n3 (location 200); when b is placed, d can only go to n3 any more, and that ban passes to
    // b through the mandatory colocation: all three end on n3 rather than d stopping.
    const xml = cib({
      nodes: 4,
      prims: ['d', 'a', 'b'],
      running: [
        { rsc: 'a', node: 'n2' },
        { rsc: 'b', node: 'n4' },
        { rsc: 'd', node: 'n1' },
      ],
      constraints: [
        '<rsc_location id="l1" rsc="a" node="n3" score="200"/>',
        '<rsc_colocation id="c1" rsc="d" with-rsc="a" score="INFINITY"/>',
        '<rsc_colocation id="c2" rsc="d" with-rsc="b" score="INFINITY"/>',
      ],
    });
    const t = run(xml);
    assert.deepEqual(
      ['a', 'b', 'd'].map((id) => assigned(t, id)),
      ['n3', 'n3', 'n3'],
    );
    crmAgrees(xml, t);
  });
});
