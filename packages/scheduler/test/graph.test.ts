/**
 * The transition graph on a small hand-written cluster: a group ordered after and colocated with
 * the promoted instance of a promotable clone that notifies. Checks the contract fields the
 * controller relies on, the order the edges impose, and, where Debian's crm_simulate is
 * installed, that the executed actions are the same as Pacemaker's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCib } from '@vigil/cib';
import {
  extractExecutedActions,
  sameActionMultiset,
  schedule,
  simulateText,
  type GraphAction,
  type TransitionGraph,
} from '@vigil/scheduler';
import { needs } from '@vigil/testkit';

const CIB = `<cib have-quorum="1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
    <resources>
      <group id="g">
        <primitive id="a" class="ocf" provider="heartbeat" type="Dummy">
          <operations><op id="a-mon" name="monitor" interval="10s" timeout="20s"/><op id="a-start" name="start" interval="0" timeout="30s"/></operations>
        </primitive>
        <primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>
      </group>
      <clone id="ms">
        <meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable" value="true"/><nvpair id="ms-m2" name="notify" value="true"/></meta_attributes>
        <primitive id="st" class="ocf" provider="pacemaker" type="Stateful">
          <operations><op id="st-p" name="monitor" interval="5s" role="Promoted"/><op id="st-u" name="monitor" interval="10s" role="Unpromoted"/></operations>
        </primitive>
      </clone>
    </resources>
    <constraints>
      <rsc_order id="o-ms-g" first="ms" first-action="promote" then="g" then-action="start"/>
      <rsc_colocation id="c-g-ms" rsc="g" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="n1-t"><instance_attributes id="n1-ti"><nvpair id="n1-ms" name="master-st" value="10"/></instance_attributes></transient_attributes></node_state>
    <node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>`;

const NOW = 1_700_000_000;

function find(g: TransitionGraph, pred: (a: GraphAction) => boolean, what: string): GraphAction {
  const hits = g.actions.filter(pred);
  assert.equal(hits.length, 1, `expected one ${what}, found ${hits.map((a) => a.key).join(', ')}`);
  return hits[0]!;
}

/** Is there a path of edges from `a` to `b` (b waits, directly or not, for a)? */
function before(g: TransitionGraph, a: GraphAction, b: GraphAction): boolean {
  const next = new Map<number, number[]>();
  for (const e of g.edges) next.set(e.before, [...(next.get(e.before) ?? []), e.after]);
  const seen = new Set([a.id]);
  const stack = [a.id];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x === b.id) return true;
    for (const y of next.get(x) ?? []) {
      if (seen.has(y)) continue;
      seen.add(y);
      stack.push(y);
    }
  }
  return false;
}

describe('transition graph contract', () => {
  const t = schedule({ cib: readCib(CIB).cib, nowSec: NOW });
  const g = t.graph;
  const on = (rsc: string, task: string, node?: string, intervalMs?: number) =>
    find(
      g,
      (a) =>
        a.rsc === rsc &&
        a.task === task &&
        (node === undefined || a.node === node) &&
        (intervalMs === undefined || a.intervalMs === intervalMs),
      `${rsc} ${task}${intervalMs === undefined ? '' : `=${intervalMs}`} on ${node ?? 'any node'}`,
    );

  it('a recurring monitor follows the start, with the interval and timeout of its op', () => {
    const start = on('a', 'start');
    const mon = on('a', 'monitor', start.node, 10_000);
    assert.equal(mon.timeoutMs, 20_000);
    assert.equal(start.timeoutMs, 30_000);
    assert.equal(mon.primitive, 'a');
    assert.ok(before(g, start, mon));
    for (const p of g.actions.filter((x) => x.rsc === 'a' && x.intervalMs === 0))
      assert.ok(before(g, p, start), `probe ${p.key} before the start`);
  });

  it('group members start in order between the group pseudo actions', () => {
    const gs = on('g', 'start');
    const gr = on('g', 'running');
    assert.ok(gs.pseudo && gr.pseudo && gs.node === undefined);
    const a = on('a', 'start');
    const b = on('b', 'start');
    assert.ok(before(g, gs, a) && before(g, a, b) && before(g, b, gr));
  });

  it('the clone instance is started, then promoted, then watched in its role', () => {
    const promote = find(g, (a) => a.task === 'promote' && !a.pseudo, 'promote');
    const inst = promote.rsc!;
    const start = on(inst, 'start', promote.node);
    const mon = on(inst, 'monitor', promote.node, 5_000);
    assert.equal(mon.role, 'Promoted');
    assert.ok(before(g, start, promote) && before(g, promote, mon));
    assert.equal(promote.primitive, 'st');
    const meta = promote.meta ?? {};
    assert.equal(meta.clone, inst.split(':')[1]);
    assert.equal(meta.clone_max, '2');
    assert.equal(meta.promoted_max, '1');
    const other = find(
      g,
      (a) => a.rsc !== inst && a.intervalMs === 10_000 && a.primitive === 'st',
      'unpromoted monitor',
    );
    assert.equal(other.role, 'Unpromoted');
    assert.notEqual(other.node, promote.node);
  });

  it('the order constraint puts the promotion before the group start', () => {
    assert.ok(before(g, on('ms', 'promoted'), on('g', 'start')));
    const promote = find(g, (a) => a.task === 'promote' && !a.pseudo, 'promote');
    assert.ok(before(g, promote, on('a', 'start')));
  });

  it('notifications surround the promotion, with their variables', () => {
    const pre = g.actions.filter(
      (a) =>
        !a.pseudo &&
        a.task === 'notify' &&
        a.meta?.notify_type === 'pre' &&
        a.meta.notify_operation === 'promote',
    );
    assert.equal(pre.length, 2, 'both running instances are told before the promotion');
    const promote = find(g, (a) => a.task === 'promote' && !a.pseudo, 'promote');
    for (const n of pre) {
      assert.ok(before(g, n, promote), `${n.key} before the promote`);
      assert.equal(n.meta?.notify_promote_resource, promote.rsc);
      assert.equal(n.meta?.notify_promote_uname, promote.node);
    }
  });

  it('every action has a reason, every edge a why, and keys are unique', () => {
    assert.equal(new Set(g.actions.map((a) => a.key)).size, g.actions.length);
    for (const a of g.actions) assert.ok(a.reason.length > 0, a.key);
    for (const e of g.edges) assert.ok(e.why.length > 0);
  });
});

describe('transition graph vs crm_simulate', needs('cmd:crm_simulate'), () => {
  it('executes the same actions as Pacemaker on the same cluster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-graph-'));
    try {
      const file = join(dir, 'cib.xml');
      writeFileSync(file, CIB);
      const out = execFileSync('crm_simulate', ['-x', file, '-S'], {
        env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dir },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      const expected = extractExecutedActions(out);
      const actual = extractExecutedActions(
        simulateText(schedule({ cib: readCib(CIB).cib, nowSec: NOW })),
      );
      assert.ok(expected.length > 20, 'crm_simulate planned the transition');
      assert.ok(
        sameActionMultiset(expected, actual),
        `expected:\n${expected.join('\n')}\nactual:\n${actual.join('\n')}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
