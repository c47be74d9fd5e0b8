import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TransitionGraph } from '@vigil/scheduler';
import {
  GRAPH_PASSING_LIST,
  corpusDir,
  readCases,
  readPassingList,
  runCase,
  type CaseResult,
} from './corpus-lib.js';

const dir = corpusDir();

/** Every corpus case run once, shared by the checks below. */
let results: Map<string, CaseResult> | undefined;
function allResults(d: string): Map<string, CaseResult> {
  if (results) return results;
  const nowSec = Math.floor(Date.now() / 1000);
  results = new Map(readCases(d).map((c) => [c.name, runCase(d, c.name, nowSec)]));
  return results;
}

/** Problems with a graph's structure: dangling edges, cycles, runnable after unrunnable. */
export function graphProblems(g: TransitionGraph): string[] {
  const out: string[] = [];
  const n = g.actions.length;
  g.actions.forEach((a, i) => {
    if (a.id !== i) out.push(`action ${a.key} has id ${a.id} at index ${i}`);
  });
  const keys = new Set<string>();
  for (const a of g.actions) {
    if (keys.has(a.key)) out.push(`duplicate key ${a.key}`);
    keys.add(a.key);
  }
  const indeg = new Array<number>(n).fill(0);
  const next: number[][] = Array.from({ length: n }, () => []);
  for (const e of g.edges) {
    const ok = (x: number): boolean => Number.isInteger(x) && x >= 0 && x < n;
    if (!ok(e.before) || !ok(e.after)) {
      out.push(`edge ${e.before} -> ${e.after} refers to a missing action`);
      continue;
    }
    if (e.why === '') out.push(`edge ${e.before} -> ${e.after} has no why`);
    const b = g.actions[e.before]!;
    const a = g.actions[e.after]!;
    if (!b.runnable && a.runnable)
      out.push(`runnable ${a.key} depends on unrunnable ${b.key} (${e.why})`);
    indeg[e.after]!++;
    next[e.before]!.push(e.after);
  }
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let seen = 0;
  while (queue.length > 0) {
    const x = queue.pop()!;
    seen++;
    for (const y of next[x]!) if (--indeg[y]! === 0) queue.push(y);
  }
  if (seen !== n) out.push(`cycle among ${n - seen} actions`);
  for (const a of g.actions) if (a.reason.trim() === '') out.push(`${a.key} has no reason`);
  return out;
}

describe(
  'Pacemaker regression corpus (ratchet)',
  { skip: dir === undefined ? 'corpus not found' : false },
  () => {
    it('every case on the ratchet list still passes', () => {
      const d = dir!;
      const listed = readPassingList();
      assert.ok(listed.length > 0, 'the ratchet list is empty');
      const all = allResults(d);
      const failing: string[] = [];
      for (const name of listed) {
        const r = all.get(name);
        assert.ok(r, `${name} on the ratchet list is not a corpus case`);
        if (!r.pass)
          failing.push(
            `${name}:\n  expected ${r.expected.join('\n  ')}\n  actual   ${r.actual.join('\n  ')}`,
          );
      }
      assert.deepEqual(failing, [], `cases regressed:\n${failing.join('\n')}`);
    });

    it('every case on the graph ratchet list still executes the same actions', () => {
      const d = dir!;
      const listed = readPassingList(GRAPH_PASSING_LIST);
      assert.ok(listed.length > 0, 'the graph ratchet list is empty');
      const all = allResults(d);
      const failing: string[] = [];
      for (const name of listed) {
        const r = all.get(name);
        assert.ok(r, `${name} on the graph ratchet list is not a corpus case`);
        if (!r.graphPass)
          failing.push(
            `${name}:\n  expected ${r.expectedActions.join('\n  ')}\n  actual   ${r.actualActions.join('\n  ')}`,
          );
      }
      assert.deepEqual(failing, [], `graphs regressed:\n${failing.join('\n')}`);
    });

    it('every graph is acyclic, its edges refer to actions, and nothing runnable waits on an unrunnable action', () => {
      const all = allResults(dir!);
      const bad: string[] = [];
      let checked = 0;
      for (const [name, r] of all) {
        if (!r.transition) continue;
        checked++;
        for (const p of graphProblems(r.transition.graph)) bad.push(`${name}: ${p}`);
      }
      assert.ok(checked > 700, `only ${checked} cases produced a graph`);
      assert.deepEqual(bad.slice(0, 30), [], `${bad.length} problems`);
    });
  },
);

describe('graph structure check', () => {
  it('finds a cycle, a dangling edge and a runnable action after an unrunnable one', () => {
    const act = (id: number, runnable = true) => ({
      id,
      key: `a${id}`,
      task: 'start',
      pseudo: false,
      runnable,
      reason: 'test',
    });
    const ok: TransitionGraph = {
      actions: [act(0), act(1)],
      edges: [{ before: 0, after: 1, why: 'x' }],
    };
    assert.deepEqual(graphProblems(ok), []);
    const cyc: TransitionGraph = {
      actions: [act(0), act(1)],
      edges: [
        { before: 0, after: 1, why: 'x' },
        { before: 1, after: 0, why: 'y' },
      ],
    };
    assert.ok(graphProblems(cyc).some((p) => p.startsWith('cycle')));
    const dangling: TransitionGraph = {
      actions: [act(0)],
      edges: [{ before: 0, after: 3, why: 'x' }],
    };
    assert.ok(graphProblems(dangling).some((p) => p.includes('missing')));
    const blocked: TransitionGraph = {
      actions: [act(0, false), act(1)],
      edges: [{ before: 0, after: 1, why: 'x' }],
    };
    assert.ok(graphProblems(blocked).some((p) => p.includes('depends on unrunnable')));
  });
});
