import { assert, VigilError } from '@vigil/base';

/**
 * Executing a transition graph (the DC's half of Pacemaker's `te_*` job), as a pure state
 * machine: the shell feeds it results and time, and it says which actions to dispatch.
 *
 * Contract:
 * - An action is dispatched once all its predecessors are confirmed; never twice.
 * - A pseudo action (no node, nothing to run) confirms itself as soon as it is ready.
 * - A failed or timed-out action, or `abort()`, stops all further dispatch; actions in flight
 *   are still awaited, so the DC knows what ran before it recomputes. The transition then ends
 *   `aborted` and the controller schedules again from the new cluster state.
 * - At most `maxInFlight` actions run at once (cluster-wide), and `maxInFlightPerNode` per node.
 */
export interface GraphAction {
  readonly id: number;
  /** Node that runs it; undefined for pseudo actions (done markers, ordering points). */
  readonly node: string | undefined;
  /** Deadline for the action once dispatched, in ms. Pseudo actions have none. */
  readonly timeoutMs: number;
  readonly label: string;
}

export interface GraphEdge {
  /** `then` may start only after `first` is confirmed. */
  readonly first: number;
  readonly then: number;
}

export interface TransitionGraph<A extends GraphAction = GraphAction> {
  readonly id: number;
  readonly actions: readonly A[];
  readonly edges: readonly GraphEdge[];
}

export type ActionState =
  'pending' | 'in-flight' | 'confirmed' | 'failed' | 'timed-out' | 'skipped';
export type TransitionOutcome = 'running' | 'complete' | 'aborted';

export interface TransitionLimits {
  readonly maxInFlight: number;
  readonly maxInFlightPerNode: number;
}

export const DEFAULT_TRANSITION_LIMITS: TransitionLimits = {
  maxInFlight: 64,
  maxInFlightPerNode: 8,
};

export class TransitionRun<A extends GraphAction = GraphAction> {
  private readonly state = new Map<number, ActionState>();
  private readonly preds = new Map<number, number[]>();
  private readonly deadlineMs = new Map<number, number>();
  private readonly byId = new Map<number, A>();
  private abortReason: string | undefined;
  private readonly log: string[] = [];

  constructor(
    readonly graph: TransitionGraph<A>,
    private readonly limits: TransitionLimits = DEFAULT_TRANSITION_LIMITS,
  ) {
    for (const a of graph.actions) {
      if (this.byId.has(a.id))
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `transition ${graph.id}: duplicate action id ${a.id}`,
        );
      this.byId.set(a.id, a);
      this.state.set(a.id, 'pending');
      this.preds.set(a.id, []);
    }
    for (const e of graph.edges) {
      if (!this.byId.has(e.first) || !this.byId.has(e.then)) {
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `transition ${graph.id}: edge ${e.first} -> ${e.then} names an unknown action`,
        );
      }
      this.preds.get(e.then)!.push(e.first);
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
      const n = this.byId.get(id)!.node;
      if (n !== undefined) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    }
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const a of this.graph.actions) {
        if (this.state.get(a.id) !== 'pending') continue;
        if (!this.preds.get(a.id)!.every((p) => this.state.get(p) === 'confirmed')) continue;
        if (a.node === undefined) {
          this.state.set(a.id, 'confirmed');
          this.log.push(`${a.label}: pseudo, confirmed`);
          progressed = true;
          continue;
        }
        if (inFlight >= this.limits.maxInFlight) continue;
        if ((perNode.get(a.node) ?? 0) >= this.limits.maxInFlightPerNode) continue;
        this.state.set(a.id, 'in-flight');
        this.deadlineMs.set(a.id, nowMs + a.timeoutMs);
        perNode.set(a.node, (perNode.get(a.node) ?? 0) + 1);
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
      if (s === 'in-flight' && this.byId.get(id)!.node === node) {
        this.state.set(id, 'failed');
        this.log.push(`${this.label(id)}: lost with node ${node}`);
      }
    }
    this.abort(`node ${node} was lost`);
  }

  get outcome(): TransitionOutcome {
    let inFlight = false;
    let allConfirmed = true;
    for (const s of this.state.values()) {
      if (s === 'in-flight') inFlight = true;
      if (s !== 'confirmed') allConfirmed = false;
    }
    if (allConfirmed) return 'complete';
    if (this.abortReason !== undefined && !inFlight) return 'aborted';
    return 'running';
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
    return this.byId.get(id)?.label ?? `action ${id}`;
  }
}

/** Returns one cycle's action ids, or undefined if the graph is acyclic. */
function findCycle(graph: TransitionGraph): number[] | undefined {
  const succ = new Map<number, number[]>();
  for (const a of graph.actions) succ.set(a.id, []);
  for (const e of graph.edges) succ.get(e.first)!.push(e.then);
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
