import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransitionRun, type GraphAction, type TransitionGraph } from '@vigil/controller';

function act(id: number, node: string | undefined, label = `a${id}`): GraphAction {
  return { id, node, timeoutMs: 1000, label };
}

describe('TransitionRun', () => {
  it('dispatches in dependency order and completes', () => {
    // stop web on a -> (pseudo "stopped") -> start web on b -> monitor web on b
    const g: TransitionGraph = {
      id: 1,
      actions: [
        act(1, 'a', 'stop web'),
        act(2, undefined, 'web stopped'),
        act(3, 'b', 'start web'),
        act(4, 'b', 'monitor web'),
      ],
      edges: [
        { first: 1, then: 2 },
        { first: 2, then: 3 },
        { first: 3, then: 4 },
      ],
    };
    const t = new TransitionRun(g);
    assert.deepEqual(
      t.dispatchable(0).map((a) => a.label),
      ['stop web'],
    );
    assert.deepEqual(t.dispatchable(0), [], 'never dispatched twice');
    t.complete(1, true);
    assert.deepEqual(
      t.dispatchable(10).map((a) => a.label),
      ['start web'],
    );
    assert.equal(t.stateOf(2), 'confirmed');
    t.complete(3, true);
    assert.deepEqual(
      t.dispatchable(20).map((a) => a.label),
      ['monitor web'],
    );
    assert.equal(t.outcome, 'running');
    t.complete(4, true);
    assert.equal(t.outcome, 'complete');
  });

  it('a failure stops further dispatch, waits for in-flight actions, then aborts', () => {
    const g: TransitionGraph = {
      id: 2,
      actions: [act(1, 'a'), act(2, 'b'), act(3, 'c')],
      edges: [{ first: 1, then: 3 }],
    };
    const t = new TransitionRun(g);
    assert.equal(t.dispatchable(0).length, 2);
    t.complete(1, false, 'rc=1 (generic error)');
    assert.deepEqual(t.dispatchable(0), []);
    assert.equal(t.stateOf(3), 'skipped');
    assert.equal(t.outcome, 'running', 'action 2 is still in flight');
    t.complete(2, true);
    assert.equal(t.outcome, 'aborted');
    assert.match(t.reason ?? '', /a1 failed: rc=1/);
  });

  it('times out actions past their deadline and ignores their late results', () => {
    const t = new TransitionRun({ id: 3, actions: [act(1, 'a')], edges: [] });
    t.dispatchable(100);
    t.tick(1099);
    assert.equal(t.stateOf(1), 'in-flight');
    t.tick(1100);
    assert.equal(t.stateOf(1), 'timed-out');
    t.complete(1, true);
    assert.equal(t.stateOf(1), 'timed-out');
    assert.equal(t.outcome, 'aborted');
  });

  it('treats in-flight actions on a lost node as failed', () => {
    const t = new TransitionRun({ id: 4, actions: [act(1, 'a'), act(2, 'b')], edges: [] });
    t.dispatchable(0);
    t.nodeLost('a');
    assert.equal(t.stateOf(1), 'failed');
    t.complete(2, true);
    assert.equal(t.outcome, 'aborted');
    assert.match(t.reason ?? '', /node a was lost/);
  });

  it('rejects cycles, duplicate ids and dangling edges', () => {
    assert.throws(
      () =>
        new TransitionRun({
          id: 5,
          actions: [act(1, 'a'), act(2, 'a')],
          edges: [
            { first: 1, then: 2 },
            { first: 2, then: 1 },
          ],
        }),
      /ordering cycle through actions 1 -> 2 -> 1/,
    );
    assert.throws(
      () => new TransitionRun({ id: 5, actions: [act(1, 'a'), act(1, 'b')], edges: [] }),
      /duplicate action id 1/,
    );
    assert.throws(
      () => new TransitionRun({ id: 5, actions: [act(1, 'a')], edges: [{ first: 1, then: 9 }] }),
      /unknown action/,
    );
  });

  it('respects per-node and cluster-wide in-flight limits', () => {
    const actions = [1, 2, 3, 4, 5].map((i) => act(i, i <= 3 ? 'a' : 'b'));
    const t = new TransitionRun(
      { id: 6, actions, edges: [] },
      { maxInFlight: 3, maxInFlightPerNode: 2 },
    );
    const first = t.dispatchable(0);
    assert.equal(first.length, 3);
    assert.equal(first.filter((a) => a.node === 'a').length, 2);
  });

  it('on random DAGs with random results: order respected, each action at most once (property)', () => {
    const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }),
        nodes: fc.array(fc.constantFrom('a', 'b', 'c', undefined), { minLength: n, maxLength: n }),
        fails: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(dag, ({ n, edges, nodes, fails }) => {
        const actions = Array.from({ length: n }, (_, i) => act(i, nodes[i]));
        // Only forward edges: acyclic by construction.
        const es = edges.filter(([x, y]) => x < y).map(([first, then]) => ({ first, then }));
        const t = new TransitionRun(
          { id: 7, actions, edges: es },
          { maxInFlight: 2, maxInFlightPerNode: 1 },
        );
        const done = new Set<number>();
        const dispatched = new Set<number>();
        for (let step = 0; step < 100 && t.outcome === 'running'; step++) {
          const ready = t.dispatchable(step);
          for (const a of ready) {
            assert.ok(!dispatched.has(a.id), 'dispatched once');
            for (const e of es)
              if (e.then === a.id)
                assert.equal(t.stateOf(e.first), 'confirmed', 'predecessor confirmed first');
            dispatched.add(a.id);
          }
          const next = [...dispatched].find((id) => !done.has(id));
          if (next !== undefined) {
            done.add(next);
            t.complete(next, !fails[next]);
          }
        }
        const anyFail = [...done].some((id) => fails[id]);
        assert.equal(t.outcome, anyFail ? 'aborted' : 'complete');
      }),
    );
  });
});
