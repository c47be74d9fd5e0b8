import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransitionRun, type RunAction, type RunGraph } from '@vigil/controller';

/** A resource action on `node`, or a pseudo action when `node` is undefined. */
function act(id: number, node: string | undefined, key = `a${id}`, runnable = true): RunAction {
  return node === undefined
    ? { id, key, pseudo: true, runnable, timeoutMs: 1000 }
    : { id, key, node, pseudo: false, runnable, timeoutMs: 1000 };
}

const LIMITS = { maxInFlight: 3, maxInFlightPerNode: 2, defaultTimeoutMs: 1000 };

describe('TransitionRun', () => {
  it('dispatches in dependency order and completes', () => {
    // stop web on a -> (pseudo "stopped") -> start web on b -> monitor web on b
    const g: RunGraph = {
      id: 1,
      actions: [
        act(1, 'a', 'stop web'),
        act(2, undefined, 'web stopped'),
        act(3, 'b', 'start web'),
        act(4, 'b', 'monitor web'),
      ],
      edges: [
        { before: 1, after: 2 },
        { before: 2, after: 3 },
        { before: 3, after: 4 },
      ],
    };
    const t = new TransitionRun(g);
    assert.deepEqual(
      t.dispatchable(0).map((a) => a.key),
      ['stop web'],
    );
    assert.deepEqual(t.dispatchable(0), [], 'never dispatched twice');
    t.complete(1, true);
    assert.deepEqual(
      t.dispatchable(10).map((a) => a.key),
      ['start web'],
    );
    assert.equal(t.stateOf(2), 'confirmed');
    t.complete(3, true);
    assert.deepEqual(
      t.dispatchable(20).map((a) => a.key),
      ['monitor web'],
    );
    assert.equal(t.outcome, 'running');
    t.complete(4, true);
    assert.equal(t.outcome, 'complete');
  });

  it('a failure stops further dispatch, waits for in-flight actions, then aborts', () => {
    const g: RunGraph = {
      id: 2,
      actions: [act(1, 'a'), act(2, 'b'), act(3, 'c')],
      edges: [{ before: 1, after: 3 }],
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

  it('never runs a blocked action nor what follows it, and completes without them', () => {
    const t = new TransitionRun({
      id: 8,
      actions: [act(1, 'a', 'stop r1'), act(2, 'b', 'start r1', false), act(3, 'b', 'monitor r1')],
      edges: [
        { before: 1, after: 2 },
        { before: 2, after: 3 },
      ],
    });
    assert.deepEqual(
      t.dispatchable(0).map((a) => a.key),
      ['stop r1'],
    );
    t.complete(1, true);
    assert.deepEqual(t.dispatchable(1), []);
    assert.equal(t.stateOf(2), 'blocked');
    assert.equal(t.stateOf(3), 'pending');
    assert.equal(t.outcome, 'complete');
    assert.equal(t.blocked, 2);
  });

  it('rejects cycles, duplicate ids and dangling edges', () => {
    assert.throws(
      () =>
        new TransitionRun({
          id: 5,
          actions: [act(1, 'a'), act(2, 'a')],
          edges: [
            { before: 1, after: 2 },
            { before: 2, after: 1 },
          ],
        }),
      /ordering cycle through actions 1 -> 2 -> 1/,
    );
    assert.throws(
      () => new TransitionRun({ id: 5, actions: [act(1, 'a'), act(1, 'b')], edges: [] }),
      /duplicate action id 1/,
    );
    assert.throws(
      () => new TransitionRun({ id: 5, actions: [act(1, 'a')], edges: [{ before: 1, after: 9 }] }),
      /unknown action/,
    );
  });

  it('respects per-node and cluster-wide in-flight limits', () => {
    const actions = [1, 2, 3, 4, 5].map((i) => act(i, i <= 3 ? 'a' : 'b'));
    const t = new TransitionRun({ id: 6, actions, edges: [] }, LIMITS);
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
        const es = edges.filter(([x, y]) => x < y).map(([before, after]) => ({ before, after }));
        const t = new TransitionRun(
          { id: 7, actions, edges: es },
          { maxInFlight: 2, maxInFlightPerNode: 1, defaultTimeoutMs: 1000 },
        );
        const done = new Set<number>();
        const dispatched = new Set<number>();
        for (let step = 0; step < 100 && t.outcome === 'running'; step++) {
          const ready = t.dispatchable(step);
          for (const a of ready) {
            assert.ok(!dispatched.has(a.id), 'dispatched once');
            for (const e of es)
              if (e.after === a.id)
                assert.equal(t.stateOf(e.before), 'confirmed', 'predecessor confirmed first');
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
