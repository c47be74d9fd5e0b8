/**
 * Builds a transition graph: actions with unique keys, and ordering edges between them. Adding an
 * action whose key exists returns the existing one; an edge is kept once. `finish` makes
 * runnability consistent (nothing runnable waits on something that never runs) and checks that
 * the graph is acyclic, crashing loudly if not: a cycle would stall the controller forever.
 */
import { VigilError } from '@vigil/base';
import type { GraphAction, GraphEdge, TransitionGraph } from '../graph.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type DraftAction = Omit<GraphAction, 'id'>;

/** Key of an action run by a node's executor: "db:1_monitor_10000@node2". */
export function resourceKey(rsc: string, task: string, intervalMs: number, node: string): string {
  return `${rsc}_${task}_${intervalMs}@${node}`;
}

/** Key (and printed name) of a pseudo action: "grp_running_0". */
export function pseudoKey(name: string, task: string): string {
  return `${name}_${task}_0`;
}

/** A limit on graph size: far above 32 nodes × 4,000 resources probed everywhere (~140,000). */
export const MAX_ACTIONS = 1 << 23;
const EDGE_KEY = 1 << 24;

export interface EdgeOptions {
  /**
   * Only orders the two when both run: an unrunnable `before` does not block `after` (optional
   * orders, and instances feeding their clone's completion).
   */
  readonly optional?: boolean;
}

export class GraphBuilder {
  readonly actions: Mutable<GraphAction>[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly edges: (GraphEdge & { optional: boolean })[] = [];
  /** before * 2^24 + after → index in edges (ids stay far below 2^24, see MAX_ACTIONS). */
  private readonly edgeIndex = new Map<number, number>();
  private readonly next = new Map<number, number[]>();

  add(a: DraftAction): number {
    const have = this.byKey.get(a.key);
    if (have !== undefined) return have;
    const id = this.actions.length;
    if (id >= MAX_ACTIONS)
      throw new VigilError('VGL_E_INTERNAL', `transition graph exceeds ${MAX_ACTIONS} actions`);
    this.actions.push({ id, ...a });
    this.byKey.set(a.key, id);
    return id;
  }

  find(key: string): number | undefined {
    return this.byKey.get(key);
  }

  get(id: number): GraphAction {
    const a = this.actions[id];
    if (!a) throw new VigilError('VGL_E_INTERNAL', `graph action ${id} does not exist`);
    return a;
  }

  block(id: number, reason: string): void {
    const a = this.actions[id]!;
    if (!a.runnable) return;
    a.runnable = false;
    a.reason = `${a.reason}; blocked: ${reason}`;
  }

  /** `after` may start only once `before` completed. Self edges and missing ends are ignored. */
  order(
    before: number | undefined,
    after: number | undefined,
    why: string,
    opts: EdgeOptions = {},
  ): void {
    if (before === undefined || after === undefined || before === after) return;
    const k = before * EDGE_KEY + after;
    const have = this.edgeIndex.get(k);
    if (have !== undefined) {
      // A mandatory order between the same two actions wins over an optional one.
      const e = this.edges[have]!;
      if (e.optional && opts.optional !== true) this.edges[have] = { ...e, optional: false, why };
      return;
    }
    this.edgeIndex.set(k, this.edges.length);
    this.edges.push({ before, after, why, optional: opts.optional === true });
    const l = this.next.get(before);
    if (l) l.push(after);
    else this.next.set(before, [after]);
  }

  /** Actions ordered directly before `id`, in the order the edges were added. */
  predecessorsOf(id: number): number[] {
    return this.edges.filter((e) => e.after === id).map((e) => e.before);
  }

  hasEdge(before: number, after: number): boolean {
    return this.edgeIndex.has(before * EDGE_KEY + after);
  }

  /** Would an edge before → after close a cycle? (Is there a path after → before?) */
  reaches(from: number, to: number): boolean {
    const next = this.next;
    const seen = new Set<number>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      for (const n of next.get(x) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return false;
  }

  finish(): TransitionGraph {
    // Optional edges from (or to) actions that never run order nothing.
    let edges = this.edges.filter(
      (e) => !e.optional || (this.actions[e.before]!.runnable && this.actions[e.after]!.runnable),
    );
    // Whatever waits on an unrunnable action can never run either.
    const next = new Map<number, typeof edges>();
    for (const e of edges) {
      const l = next.get(e.before);
      if (l) l.push(e);
      else next.set(e.before, [e]);
    }
    const stack = this.actions.filter((a) => !a.runnable).map((a) => a.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      const blocker = this.actions[id]!;
      for (const e of next.get(id) ?? []) {
        const a = this.actions[e.after]!;
        if (!a.runnable) continue;
        if (e.optional) continue;
        a.runnable = false;
        a.reason = `${a.reason}; blocked: it must wait for ${blocker.key}, which cannot run`;
        stack.push(a.id);
      }
    }
    edges = edges.filter(
      (e) => !e.optional || (this.actions[e.before]!.runnable && this.actions[e.after]!.runnable),
    );
    const out: GraphEdge[] = edges.map(({ before, after, why }) => ({ before, after, why }));
    assertAcyclic(this.actions.length, out);
    return { actions: this.actions, edges: out };
  }
}

/** Throws when the edges contain a cycle (Kahn's algorithm leaves nodes unvisited). */
export function assertAcyclic(count: number, edges: readonly GraphEdge[]): void {
  const indeg = new Array<number>(count).fill(0);
  const next: number[][] = Array.from({ length: count }, () => []);
  for (const e of edges) {
    indeg[e.after] = indeg[e.after]! + 1;
    next[e.before]!.push(e.after);
  }
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (indeg[i] === 0) queue.push(i);
  let seen = 0;
  while (queue.length > 0) {
    const x = queue.pop()!;
    seen++;
    for (const n of next[x]!) {
      indeg[n] = indeg[n]! - 1;
      if (indeg[n] === 0) queue.push(n);
    }
  }
  if (seen !== count) {
    const stuck = edges.filter((e) => indeg[e.after]! > 0).map((e) => `${e.before}>${e.after}`);
    throw new VigilError('VGL_E_INTERNAL', 'transition graph has a cycle', {
      edges: stuck.slice(0, 20),
    });
  }
}
