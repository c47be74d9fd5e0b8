/**
 * Builds a transition graph: actions with unique keys, and ordering edges between them. Adding an
 * action whose key exists returns the existing one; an edge is kept once. `finish` makes
 * runnability consistent (nothing runnable waits on something that never runs) and checks that
 * the graph is acyclic, crashing loudly if not: a cycle would stall the controller forever.
 */
import { VigilError } from '@vigil/base';
import type { GraphAction, GraphEdge, TransitionGraph } from '../graph.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type DraftAction = Omit<GraphAction, 'id'>;

/** Key of an action run by a node's executor: "db:1_monitor_10000@node2". */
export function resourceKey(rsc: string, task: string, intervalMs: number, node: string): string {
  return flat(rsc, '_', task, '_', String(intervalMs), '@', node);
}

/**
 * The parts joined into one flat string. A template literal builds a tree of concatenations
 * (one heap object per part) that the graph would keep alive for each of its ~100,000 keys and
 * reasons; a join makes one string.
 */
export function flat(...parts: string[]): string {
  return parts.join('');
}

/** Key (and printed name) of a pseudo action: "grp_running_0". */
export function pseudoKey(name: string, task: string): string {
  return `${name}_${task}_0`;
}

/** A limit on graph size: far above 32 nodes × 4,000 resources probed everywhere (~140,000). */
export const MAX_ACTIONS = 1 << 23;

export interface EdgeOptions {
  /**
   * Only orders the two when both run: an unrunnable `before` does not block `after` (optional
   * orders, and instances feeding their clone's completion).
   */
  readonly optional?: boolean;
}

/** Out-lists longer than this get a by-target index for duplicate checks; shorter ones are scanned. */
const SCAN_LIMIT = 8;

export class GraphBuilder {
  readonly actions: Mutable<GraphAction>[] = [];
  private readonly byKey = new Map<string, number>();
  // Edges in insertion order, as parallel arrays (one object per edge only in finish()).
  private readonly edgeBefore: number[] = [];
  private readonly edgeAfter: number[] = [];
  private readonly edgeWhy: string[] = [];
  private readonly edgeOptional: boolean[] = [];
  /** Action id → indexes (into the edge arrays) of its outgoing edges, in insertion order. */
  private readonly out: (number[] | undefined)[] = [];
  /** Action id → target → edge index, for actions with more than SCAN_LIMIT outgoing edges. */
  private readonly outIndex: (Map<number, number> | undefined)[] = [];

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

  /** The id the next new action gets (an action built by the caller carries it first). */
  get nextId(): number {
    return this.actions.length;
  }

  /** Adds an action built with id `nextId` and a key not in the graph yet (see find). */
  insert(a: Mutable<GraphAction>): number {
    const id = this.actions.length;
    if (a.id !== id || this.byKey.has(a.key))
      throw new VigilError('VGL_E_INTERNAL', `graph action ${a.key} inserted out of turn`);
    if (id >= MAX_ACTIONS)
      throw new VigilError('VGL_E_INTERNAL', `transition graph exceeds ${MAX_ACTIONS} actions`);
    this.actions.push(a);
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

  /** Index of the edge before → after, or -1. */
  private edgeOf(before: number, after: number): number {
    const list = this.out[before];
    if (list === undefined) return -1;
    const index = this.outIndex[before];
    if (index !== undefined) return index.get(after) ?? -1;
    const to = this.edgeAfter;
    for (let k = 0; k < list.length; k++) if (to[list[k]!] === after) return list[k]!;
    return -1;
  }

  /** `after` may start only once `before` completed. Self edges and missing ends are ignored. */
  order(
    before: number | undefined,
    after: number | undefined,
    why: string,
    opts: EdgeOptions = {},
  ): void {
    if (before === undefined || after === undefined || before === after) return;
    const optional = opts.optional === true;
    const have = this.edgeOf(before, after);
    if (have >= 0) {
      // A mandatory order between the same two actions wins over an optional one.
      if (this.edgeOptional[have] === true && !optional) {
        this.edgeOptional[have] = false;
        this.edgeWhy[have] = why;
      }
      return;
    }
    const e = this.edgeBefore.length;
    this.edgeBefore.push(before);
    this.edgeAfter.push(after);
    this.edgeWhy.push(why);
    this.edgeOptional.push(optional);
    const list = this.out[before];
    if (list === undefined) {
      // Filled up to `before` so the array stays dense (holes would make it slow).
      while (this.out.length <= before) {
        this.out.push(undefined);
        this.outIndex.push(undefined);
      }
      this.out[before] = [e];
      return;
    }
    list.push(e);
    const index = this.outIndex[before];
    if (index !== undefined) index.set(after, e);
    else if (list.length > SCAN_LIMIT) {
      const m = new Map<number, number>();
      for (const k of list) m.set(this.edgeAfter[k]!, k);
      this.outIndex[before] = m;
    }
  }

  /** Actions ordered directly before `id`, in the order the edges were added. */
  predecessorsOf(id: number): number[] {
    const out: number[] = [];
    const to = this.edgeAfter;
    for (let e = 0; e < to.length; e++) if (to[e] === id) out.push(this.edgeBefore[e]!);
    return out;
  }

  hasEdge(before: number, after: number): boolean {
    return this.edgeOf(before, after) >= 0;
  }

  /** Would an edge before → after close a cycle? (Is there a path after → before?) */
  reaches(from: number, to: number): boolean {
    const seen = new Set<number>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      for (const e of this.out[x] ?? []) {
        const n = this.edgeAfter[e]!;
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return false;
  }

  finish(): TransitionGraph {
    const actions = this.actions;
    const optional = this.edgeOptional;
    // Whatever waits (by a mandatory order) on an unrunnable action can never run either.
    const stack: number[] = [];
    for (const a of actions) if (!a.runnable) stack.push(a.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      const list = this.out[id];
      if (list === undefined) continue;
      const blocker = actions[id]!;
      for (const e of list) {
        if (optional[e] === true) continue;
        const a = actions[this.edgeAfter[e]!]!;
        if (!a.runnable) continue;
        a.runnable = false;
        a.reason = `${a.reason}; blocked: it must wait for ${blocker.key}, which cannot run`;
        stack.push(a.id);
      }
    }
    // Optional edges from (or to) actions that never run order nothing.
    const out: GraphEdge[] = [];
    const from = this.edgeBefore;
    const to = this.edgeAfter;
    for (let e = 0; e < from.length; e++) {
      const before = from[e]!;
      const after = to[e]!;
      if (optional[e] === true && !(actions[before]!.runnable && actions[after]!.runnable))
        continue;
      out.push({ before, after, why: this.edgeWhy[e]! });
    }
    assertAcyclic(actions.length, out);
    return { actions, edges: out };
  }
}

/** Throws when the edges contain a cycle (Kahn's algorithm leaves nodes unvisited). */
export function assertAcyclic(count: number, edges: readonly GraphEdge[]): void {
  // Successor lists in one flat array (compressed rows), not one array per action.
  const indeg = new Int32Array(count);
  const start = new Int32Array(count + 1);
  for (const e of edges) {
    indeg[e.after]!++;
    start[e.before + 1]!++;
  }
  for (let i = 0; i < count; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, count);
  const next = new Int32Array(edges.length);
  for (const e of edges) next[fill[e.before]!++] = e.after;
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (indeg[i] === 0) queue.push(i);
  let seen = 0;
  while (queue.length > 0) {
    const x = queue.pop()!;
    seen++;
    for (let k = start[x]!; k < start[x + 1]!; k++) {
      const n = next[k]!;
      if (--indeg[n]! === 0) queue.push(n);
    }
  }
  if (seen !== count) {
    const stuck = edges.filter((e) => indeg[e.after]! > 0).map((e) => `${e.before}>${e.after}`);
    throw new VigilError('VGL_E_INTERNAL', 'transition graph has a cycle', {
      edges: stuck.slice(0, 20),
    });
  }
}
