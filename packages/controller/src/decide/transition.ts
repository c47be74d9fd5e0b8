import { assert, VigilError } from '@vigil/base';

/**
 * Executing a transition graph (the DC's half of Pacemaker's `te_*` job), as a pure state
 * machine: the shell feeds it results and time, and it says which actions to dispatch. The graph
 * is the scheduler's (`docs/graph-contract.md`): actions with `pseudo` and `runnable`, edges
 * `before` → `after`.
 *
 * Contract:
 * - An action is dispatched once every action before it is confirmed; never twice.
 * - A pseudo action confirms itself as soon as it is ready; nothing runs.
 * - An action that is not runnable never runs, nor does anything after it. A transition whose
 *   remaining actions all wait on such an action is complete (with those actions left blocked).
 * - A failed or timed-out action, or `abort()`, stops all further dispatch; actions in flight
 *   are still awaited, so the DC knows what ran before it recomputes. The transition then ends
 *   `aborted` and the controller schedules again from the new cluster state.
 * - At most `maxInFlight` actions run at once (cluster-wide), and `maxInFlightPerNode` per node.
 */
export interface RunAction {
  readonly id: number;
  /** Unique in the graph: `web_start_0@node2`. */
  readonly key: string;
  /** Where it runs (for stonith: the target). */
  readonly node?: string;
  /** `stonith` actions name their target as `node`, and are not lost with it. */
  readonly task?: string;
  readonly pseudo: boolean;
  readonly runnable: boolean;
  /** Deadline once dispatched, in ms; the run's default when absent. */
  readonly timeoutMs?: number;
}

export interface RunEdge {
  /** `after` may start only once `before` is confirmed. */
  readonly before: number;
  readonly after: number;
}

export interface RunGraph<A extends RunAction = RunAction> {
  readonly id: number;
  readonly actions: readonly A[];
  readonly edges: readonly RunEdge[];
}

export type ActionState =
  'pending' | 'in-flight' | 'confirmed' | 'failed' | 'timed-out' | 'skipped' | 'blocked';
export type TransitionOutcome = 'running' | 'complete' | 'aborted';

export interface TransitionLimits {
  readonly maxInFlight: number;
  readonly maxInFlightPerNode: number;
  /** Deadline of an action that names none, in ms. */
  readonly defaultTimeoutMs: number;
}

export const DEFAULT_TRANSITION_LIMITS: TransitionLimits = {
  maxInFlight: 64,
  maxInFlightPerNode: 8,
  defaultTimeoutMs: 60_000,
};

export class TransitionRun<A extends RunAction = RunAction> {
  private readonly state = new Map<number, ActionState>();
  private readonly preds = new Map<number, number[]>();
  private readonly deadlineMs = new Map<number, number>();
  private readonly byId = new Map<number, A>();
  private abortReason: string | undefined;
  private readonly log: string[] = [];

  constructor(
    readonly graph: RunGraph<A>,
    private readonly limits: TransitionLimits = DEFAULT_TRANSITION_LIMITS,
  ) {
    for (const a of graph.actions) {
      if (this.byId.has(a.id))
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `transition ${graph.id}: duplicate action id ${a.id}`,
        );
      this.byId.set(a.id, a);
      this.state.set(a.id, a.runnable ? 'pending' : 'blocked');
      this.preds.set(a.id, []);
    }
    for (const e of graph.edges) {
      if (!this.byId.has(e.before) || !this.byId.has(e.after)) {
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `transition ${graph.id}: edge ${e.before} -> ${e.after} names an unknown action`,
        );
      }
      this.preds.get(e.after)!.push(e.before);
    }
    const cycle = findCycle(graph);
    if (cycle)
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `transition ${graph.id}: ordering cycle through actions ${cycle.join(' -> ')}`,
      );
  }

  /**
   * Returns the actions to dispatch now (marking them in flight, with deadlines from `nowMs`).
   * Pseudo actions confirm here and are never returned.
   */
  dispatchable(nowMs: number): A[] {
    const out: A[] = [];
    if (this.abortReason !== undefined) return out;
    const perNode = new Map<string, number>();
    let inFlight = 0;
    for (const [id, s] of this.state) {
      if (s !== 'in-flight') continue;
      inFlight++;
      const n = this.byId.get(id)!.node ?? '';
      perNode.set(n, (perNode.get(n) ?? 0) + 1);
    }
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const a of this.graph.actions) {
        if (this.state.get(a.id) !== 'pending') continue;
        if (!this.preds.get(a.id)!.every((p) => this.state.get(p) === 'confirmed')) continue;
        if (a.pseudo) {
          this.state.set(a.id, 'confirmed');
          this.log.push(`${a.key}: pseudo, confirmed`);
          progressed = true;
          continue;
        }
        const node = a.node ?? '';
        if (inFlight >= this.limits.maxInFlight) continue;
        if ((perNode.get(node) ?? 0) >= this.limits.maxInFlightPerNode) continue;
        this.state.set(a.id, 'in-flight');
        this.deadlineMs.set(a.id, nowMs + (a.timeoutMs ?? this.limits.defaultTimeoutMs));
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        inFlight++;
        out.push(a);
      }
    }
    return out;
  }

  /** Records an action's result. A failure aborts the transition with a reason naming it. */
  complete(id: number, ok: boolean, detail = ''): void {
    const s = this.state.get(id);
    assert(s !== undefined, `transition ${this.graph.id}: result for unknown action ${id}`);
    if (s !== 'in-flight') {
      // A late result for an action already timed out, or a duplicate: record, change nothing.
      this.log.push(
        `${this.label(id)}: ignored late result (${ok ? 'ok' : 'failed'}) in state ${s}`,
      );
      return;
    }
    this.state.set(id, ok ? 'confirmed' : 'failed');
    this.log.push(
      `${this.label(id)}: ${ok ? 'confirmed' : `failed${detail ? `: ${detail}` : ''}`}`,
    );
    if (!ok) this.abort(`${this.label(id)} failed${detail ? `: ${detail}` : ''}`);
  }

  /** Marks in-flight actions past their deadline as timed out (which aborts). */
  tick(nowMs: number): void {
    for (const [id, s] of this.state) {
      if (s === 'in-flight' && nowMs >= this.deadlineMs.get(id)!) {
        this.state.set(id, 'timed-out');
        this.log.push(`${this.label(id)}: timed out`);
        this.abort(`${this.label(id)} timed out`);
      }
    }
  }

  /** Stops dispatching; in-flight actions are still awaited. The first reason is kept. */
  abort(reason: string): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    for (const [id, s] of this.state) if (s === 'pending') this.state.set(id, 'skipped');
  }

  /** Actions lost with their node (fenced or gone): they will never report. */
  nodeLost(node: string): void {
    for (const [id, s] of this.state) {
      const a = this.byId.get(id)!;
      if (s === 'in-flight' && a.node === node && !a.pseudo && !isStonith(a)) {
        this.state.set(id, 'failed');
        this.log.push(`${this.label(id)}: lost with node ${node}`);
      }
    }
    this.abort(`node ${node} was lost`);
  }

  get outcome(): TransitionOutcome {
    let inFlight = false;
    let ready = false;
    for (const [id, s] of this.state) {
      if (s === 'in-flight') inFlight = true;
      if (s === 'pending' && this.preds.get(id)!.every((p) => this.state.get(p) === 'confirmed'))
        ready = true;
    }
    if (inFlight) return 'running';
    if (this.abortReason !== undefined) return 'aborted';
    // Nothing in flight and nothing ready: what is left waits on a blocked action.
    return ready ? 'running' : 'complete';
  }

  /** Actions that never ran because they, or something before them, are blocked. */
  get blocked(): number {
    let n = 0;
    for (const s of this.state.values()) if (s === 'blocked' || s === 'pending') n++;
    return n;
  }

  /** Whether anything in the graph would run at all (not only pseudo or blocked actions). */
  get hasWork(): boolean {
    return this.graph.actions.some((a) => a.runnable && !a.pseudo);
  }

  get reason(): string | undefined {
    return this.abortReason;
  }

  stateOf(id: number): ActionState {
    const s = this.state.get(id);
    assert(s !== undefined, `unknown action ${id}`);
    return s;
  }

  /** What happened, one line per event, for `vigil history` and tests. */
  get events(): readonly string[] {
    return this.log;
  }

  private label(id: number): string {
    return this.byId.get(id)?.key ?? `action ${id}`;
  }
}

/** A fence action names its target as `node`; it is not lost with that node. */
function isStonith(a: RunAction): boolean {
  return a.task === 'stonith';
}

/** Returns one cycle's action ids, or undefined if the graph is acyclic. */
function findCycle(graph: RunGraph): number[] | undefined {
  const succ = new Map<number, number[]>();
  for (const a of graph.actions) succ.set(a.id, []);
  for (const e of graph.edges) succ.get(e.before)!.push(e.after);
  const color = new Map<number, 0 | 1 | 2>();
  const stack: number[] = [];
  const visit = (id: number): number[] | undefined => {
    color.set(id, 1);
    stack.push(id);
    for (const n of succ.get(id)!) {
      const c = color.get(n) ?? 0;
      if (c === 1) return [...stack.slice(stack.indexOf(n)), n];
      if (c === 0) {
        const found = visit(n);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(id, 2);
    return undefined;
  };
  for (const a of graph.actions) {
    if ((color.get(a.id) ?? 0) === 0) {
      const c = visit(a.id);
      if (c) return c;
    }
  }
  return undefined;
}
