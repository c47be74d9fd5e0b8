/**
 * Promotion influence: how the resources that follow a promotable clone shift its promotion
 * scores (src/variants/promotion-influence.ts). Each case derives the expected scores from the
 * rule and, where crm_simulate is installed, checks the promotion scores it prints with
 * --show-scores and its Transition Summary against ours.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCib } from '@vigil/cib';
import {
  explain,
  extractTransitionSummary,
  formatSummaryLines,
  sameSummary,
  schedule,
  type Transition,
} from '@vigil/scheduler';
import { needs } from '@vigil/testkit';

const DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8';

/**
 * Two nodes; promotable clone M of Stateful `d` (clone-max 2), promoted on n1 and unpromoted on
 * n2, with promotion scores (master-d) `masters`; stopped Dummy primitives and groups.
 */
function cib(opts: {
  masters: [number, number];
  /** Record the instances as d:1 on n1 and d:0 on n2, each with its attribute master-d:N. */
  swapped?: boolean;
  prims?: string[];
  groups?: { id: string; members: string[]; priority?: number }[];
  constraints: string[];
}): string {
  const dummy = (id: string): string =>
    `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy"/>`;
  const groups = (opts.groups ?? [])
    .map((g) => {
      const meta =
        g.priority === undefined
          ? ''
          : `<meta_attributes id="${g.id}-m"><nvpair id="${g.id}-m-p" name="priority" value="${g.priority}"/></meta_attributes>`;
      return `<group id="${g.id}">${meta}${g.members.map(dummy).join('')}</group>`;
    })
    .join('');
  const state = (node: string, n: number): string => {
    const task = n === 0 && opts.swapped !== true ? 'promote' : 'start';
    const i = opts.swapped === true ? 1 - n : n;
    const attr = opts.swapped === true ? `master-d:${i}` : 'master-d';
    const key = '1:1:0:00000000-0000-0000-0000-000000000000';
    return `<node_state id="${node}" uname="${node}" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="${node}"><instance_attributes id="ta-${node}"><nvpair id="ta-${node}-m" name="${attr}" value="${opts.masters[n]!}"/></instance_attributes></transient_attributes>
      <lrm id="${node}"><lrm_resources><lrm_resource id="d:${i}" class="ocf" provider="pacemaker" type="Stateful">
        <lrm_rsc_op id="d:${i}_last_0" operation_key="d_${task}_0" operation="${task}" crm_feature_set="3.0.6" transition-key="${key}" transition-magic="0:0;${key}" call-id="2" rc-code="0" op-status="0" interval="0" op-digest="${DIGEST}"/>
      </lrm_resource></lrm_resources></lrm></node_state>`;
  };
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="n1" execution-date="1767225600">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1" type="member"/><node id="n2" uname="n2" type="member"/></nodes>
    <resources>
      <clone id="M"><meta_attributes id="M-meta"><nvpair id="M-p" name="promotable" value="true"/><nvpair id="M-cm" name="clone-max" value="2"/></meta_attributes>
        <primitive id="d" class="ocf" provider="pacemaker" type="Stateful"/></clone>
      ${(opts.prims ?? []).map(dummy).join('')}${groups}
    </resources>
    <constraints>${opts.constraints.join('')}</constraints>
  </configuration>
  <status>${state('n1', 0)}${state('n2', 1)}</status>
</cib>`;
}

function run(xml: string): Transition {
  const { cib: model } = readCib(xml);
  return schedule({ cib: model, nowSec: model.attributes.executionDate! });
}

/** Node → promotion score of the instance placed there. */
function promotionScores(t: Transition): Map<string, number> {
  const out = new Map<string, number>();
  for (const inst of t.ws.byId.get('M')!.children)
    if (inst.promotion && typeof inst.assigned === 'string')
      out.set(inst.assigned, inst.promotion.score);
  return out;
}

function promotedOn(t: Transition): string[] {
  return t.ws.byId
    .get('M')!
    .children.filter((i) => i.nextRole === 'Promoted')
    .map((i) => i.assigned!);
}

const crm = needs('cmd:crm_simulate');

/** crm_simulate --show-scores prints the same promotion scores and (unless told) Transition Summary. */
function crmAgrees(
  xml: string,
  t: Transition,
  opts: { summary: boolean } = { summary: true },
): void {
  if (crm.skip !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-promo-'));
  try {
    const file = join(dir, 'cib.xml');
    writeFileSync(file, xml);
    const sim = (args: string[]): string =>
      execFileSync('crm_simulate', ['-x', file, ...args], {
        env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dir },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    const theirs = new Map<string, number>();
    for (const m of sim(['-s', '-R']).matchAll(/^\S+ promotion score on (\S+): (\S+)$/gm))
      theirs.set(m[1]!, m[2] === 'INFINITY' ? 1_000_000 : Number(m[2]));
    assert.deepEqual(promotionScores(t), theirs);
    if (!opts.summary) return;
    const summary = extractTransitionSummary(sim(['-R']));
    const ours = formatSummaryLines(t.summary);
    assert.ok(
      sameSummary(ours, summary),
      `crm_simulate:\n${summary.join('\n')}\nvigil:\n${ours.join('\n')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const colocated = (id: string, rsc: string, withRsc: string, score: string, role = ''): string =>
  `<rsc_colocation id="${id}" rsc="${rsc}" with-rsc="${withRsc}" score="${score}"${role === '' ? '' : ` with-rsc-role="${role}"`}/>`;
const located = (id: string, rsc: string, node: string, score: string): string =>
  `<rsc_location id="${id}" rsc="${rsc}" node="${node}" score="${score}"/>`;

describe('promotion influence', () => {
  it('a resource that must run with the promoted instance pulls twice: through the clone table, then on promotion', () => {
    // F follows M's Promoted role and prefers n2 by `pull`. The pull lands in M's node table
    // (added to every promotion score) and again on promotion: n2 overtakes n1.
    const [m1, m2, pull] = [5, 5, 3];
    const xml = cib({
      masters: [m1, m2],
      prims: ['F'],
      constraints: [
        colocated('c1', 'F', 'M', 'INFINITY', 'Promoted'),
        located('l1', 'F', 'n2', String(pull)),
      ],
    });
    const t = run(xml);
    assert.deepEqual(
      promotionScores(t),
      new Map([
        ['n1', m1],
        ['n2', m2 + 2 * pull],
      ]),
    );
    assert.deepEqual(promotedOn(t), ['n2']);
    assert.equal(t.ws.byId.get('F')!.assigned, 'n2');
    const why = explain(t, 'd:1')!;
    assert.ok(why.reasons.some((r) => r.kind === 'promotion' && r.score === pull));
    crmAgrees(xml, t);
  });

  it('a resource colocated with the clone in no particular role pulls only through the clone table', () => {
    const [m1, m2, pull] = [10, 2, 4];
    const xml = cib({
      masters: [m1, m2],
      prims: ['F'],
      constraints: [colocated('c1', 'F', 'M', 'INFINITY'), located('l1', 'F', 'n2', String(pull))],
    });
    const t = run(xml);
    assert.deepEqual(
      promotionScores(t),
      new Map([
        ['n1', m1],
        ['n2', m2 + pull],
      ]),
    );
    assert.deepEqual(promotedOn(t), m1 > m2 + pull ? ['n1'] : ['n2']);
    crmAgrees(xml, t);
  });

  it('a pull lowers a positive promotion score to 1 at most, and is dropped when it leaves no node at 0 or more', () => {
    // F dislikes n2 more than n1: n1 keeps 10 - 5, n2 would go to 2 - 20 and stops at 1. (The
    // clone table ignores negative pulls, so only the promotion pull counts.)
    const [m1, m2] = [10, 2];
    const lowXml = cib({
      masters: [m1, m2],
      prims: ['F'],
      constraints: [
        colocated('c1', 'F', 'M', 'INFINITY', 'Promoted'),
        located('l1', 'F', 'n1', '-5'),
        located('l2', 'F', 'n2', '-20'),
      ],
    });
    const lowered = run(lowXml);
    assert.deepEqual(
      promotionScores(lowered),
      new Map([
        ['n1', m1 - 5],
        ['n2', 1],
      ]),
    );
    // (Where F goes here depends on another rule, the promoted instance's own score; only the
    // promotion scores are compared.)
    crmAgrees(lowXml, lowered, { summary: false });
    // Both sums negative (10 - 20, 2 - 5): the pull is dropped whole.
    const xml = cib({
      masters: [m1, m2],
      prims: ['F'],
      constraints: [
        colocated('c1', 'F', 'M', 'INFINITY', 'Promoted'),
        located('l1', 'F', 'n1', '-20'),
        located('l2', 'F', 'n2', '-5'),
      ],
    });
    const dropped = run(xml);
    assert.deepEqual(
      promotionScores(dropped),
      new Map([
        ['n1', m1],
        ['n2', m2],
      ]),
    );
    crmAgrees(xml, dropped);
  });

  it("a group's dependents pull only while the group is being placed, and then twice", () => {
    // M <- F (Promoted, INFINITY) <- group A <- group V (prefers n2 by `pull`). Placed in
    // configuration order, M comes first and V's preference does not reach it. With a priority,
    // V is placed first: it places A, A places F, F places M, and V counts twice, both in M's
    // table and on promotion.
    const [m, pull] = [5, 1];
    const xml = (priority?: number): string =>
      cib({
        masters: [m, m],
        prims: ['F'],
        groups: [
          { id: 'A', members: ['a1', 'a2'] },
          { id: 'V', members: ['v1', 'v2'], ...(priority === undefined ? {} : { priority }) },
        ],
        constraints: [
          colocated('c1', 'F', 'M', 'INFINITY', 'Promoted'),
          colocated('c2', 'A', 'F', 'INFINITY'),
          colocated('c3', 'V', 'A', 'INFINITY'),
          located('l1', 'V', 'n2', String(pull)),
        ],
      });
    const plain = run(xml());
    assert.deepEqual(
      promotionScores(plain),
      new Map([
        ['n1', m],
        ['n2', m],
      ]),
    );
    crmAgrees(xml(), plain);
    const first = run(xml(10));
    assert.deepEqual(
      promotionScores(first),
      new Map([
        ['n1', m],
        ['n2', m + 4 * pull],
      ]),
    );
    assert.deepEqual(promotedOn(first), ['n2']);
    crmAgrees(xml(10), first);
  });

  it("a ban on one member of a group that follows the promoted instance's dependents moves the promotion", () => {
    // As above, V placed first (priority), now preferring n1 by 2 and n2 by 1, with its third
    // member banned from n1. Each of V's counts adds 2 on n1, then the ban meets a positive score
    // and leaves 1; on n2 the preference adds up.
    const [m, v1, v2] = [5, 2, 1];
    const xml = cib({
      masters: [m, m],
      prims: ['F'],
      groups: [
        { id: 'A', members: ['a1', 'a2'] },
        { id: 'V', members: ['v1', 'v2', 'v3'], priority: 10 },
      ],
      constraints: [
        colocated('c1', 'F', 'M', 'INFINITY', 'Promoted'),
        colocated('c2', 'A', 'F', 'INFINITY'),
        colocated('c3', 'V', 'A', 'INFINITY'),
        located('l1', 'V', 'n1', String(v1)),
        located('l2', 'V', 'n2', String(v2)),
        located('l3', 'v3', 'n1', '-INFINITY'),
      ],
    });
    const t = run(xml);
    // Clone table: n1 1 (each count: +2, then the ban leaves 1), n2 2 × v2. Promotion adds it
    // and the same pull again: n1 stays 1, n2 gets 4 × v2.
    assert.deepEqual(
      promotionScores(t),
      new Map([
        ['n1', 1],
        ['n2', m + 4 * v2],
      ]),
    );
    assert.deepEqual(promotedOn(t), ['n2']);
    for (const id of ['F', 'a1', 'v1', 'v3']) assert.equal(t.ws.byId.get(id)!.assigned, 'n2');
    crmAgrees(xml, t);
  });
});

describe('promotion scores', () => {
  it('an anonymous instance recorded under another instance number reads the attribute of that name', () => {
    // n1 records the instance as d:1 with master-d:1, n2 as d:0 with master-d:0; neither is
    // promoted. Whatever number each instance gets now, n1's score is master-d:1's.
    const [m1, m2] = [10, 5];
    const xml = cib({ masters: [m1, m2], swapped: true, constraints: [] });
    const t = run(xml);
    assert.deepEqual(
      promotionScores(t),
      new Map([
        ['n1', m1],
        ['n2', m2],
      ]),
    );
    assert.deepEqual(promotedOn(t), [m1 > m2 ? 'n1' : 'n2']);
    crmAgrees(xml, t);
  });
});

describe('colocation with a role of a promotable clone', () => {
  it('with the Unpromoted role, only the nodes of unpromoted instances count', () => {
    // X prefers the unpromoted instance (1000) over the promoted one (101): it goes where d
    // stays unpromoted, n2, not to both nodes alike.
    const xml = cib({
      masters: [10, 5],
      prims: ['X'],
      constraints: [
        colocated('c1', 'X', 'M', '101', 'Promoted'),
        colocated('c2', 'X', 'M', '1000', 'Unpromoted'),
      ],
    });
    const t = run(xml);
    assert.deepEqual(promotedOn(t), ['n1']);
    assert.equal(t.ws.byId.get('X')!.assigned, 'n2');
    crmAgrees(xml, t);
  });
});
