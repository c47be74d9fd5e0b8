/**
 * Pseudo actions of groups and clones, and the order inside them. A collective gets the pair
 * `X_start_0`/`X_running_0` (likewise stop/stopped, promote/promoted, demote/demoted) when one of
 * its children does that action: the first pseudo action comes before every child's action, the
 * second after all of them. Group members start in order and stop in reverse. A collective stops
 * before it starts, demotes before it stops, and promotes once it is running.
 */
import type { WorkingSet, WsResource } from '../../working-set.js';
import { primitivesOf } from '../../working-set.js';
import { type GraphBuilder, pseudoKey } from './builder.js';
import type { PrimitiveActions } from './primitive.js';

export type Task = 'start' | 'stop' | 'promote' | 'demote';
export const TASKS: readonly Task[] = ['demote', 'stop', 'start', 'promote'];

/** The pseudo action that marks a collective's task complete. */
export function completed(task: string): string {
  switch (task) {
    case 'start':
      return 'running';
    case 'stop':
      return 'stopped';
    case 'promote':
      return 'promoted';
    case 'demote':
      return 'demoted';
    default:
      return task;
  }
}

/** Where an order "X task" begins and ends in the graph (several ids for a primitive's stops). */
export interface Endpoints {
  readonly begin: number[];
  readonly end: number[];
}

export class Collectives {
  /** Resource id → task → its begin/end actions. */
  private readonly ends = new Map<string, Map<Task, Endpoints>>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly prims: ReadonlyMap<string, PrimitiveActions>,
  ) {}

  endpoints(r: WsResource, task: Task): Endpoints | undefined {
    return this.ends.get(r.id)?.get(task);
  }

  private set(r: WsResource, task: Task, e: Endpoints): void {
    const m = this.ends.get(r.id) ?? new Map<Task, Endpoints>();
    m.set(task, e);
    this.ends.set(r.id, m);
  }

  private primitiveEnds(r: WsResource): void {
    const a = this.prims.get(r.id);
    if (!a) return;
    const one = (id: number | undefined): Endpoints | undefined =>
      id === undefined ? undefined : { begin: [id], end: [id] };
    const start =
      a.migrateTo !== undefined && a.start !== undefined
        ? { begin: [a.migrateTo], end: [a.start] }
        : one(a.start);
    if (start) this.set(r, 'start', start);
    if (a.stops.size > 0)
      this.set(r, 'stop', { begin: [...a.stops.values()], end: [...a.stops.values()] });
    const promote = one(a.promote);
    if (promote) this.set(r, 'promote', promote);
    if (a.demotes.size > 0)
      this.set(r, 'demote', { begin: [...a.demotes.values()], end: [...a.demotes.values()] });
  }

  /** Builds pseudo actions bottom-up over the resource tree. */
  build(r: WsResource): void {
    if (r.kind === 'primitive') {
      this.primitiveEnds(r);
      return;
    }
    for (const c of r.children) this.build(c);
    const g = this.g;
    const what = r.kind === 'group' ? 'group' : r.kind === 'clone' ? 'clone' : r.kind;
    for (const task of TASKS) {
      const kids = r.children
        .map((c) => ({ c, e: this.endpoints(c, task) }))
        .filter((x): x is { c: WsResource; e: Endpoints } => x.e !== undefined);
      if (kids.length === 0) continue;
      const begin = g.add({
        key: pseudoKey(r.id, task),
        rsc: r.id,
        task,
        pseudo: true,
        runnable: true,
        reason: `${what} ${r.id}: ${task} of its ${r.kind === 'group' ? 'members' : 'instances'} begins`,
      });
      const end = g.add({
        key: pseudoKey(r.id, completed(task)),
        rsc: r.id,
        task: completed(task),
        pseudo: true,
        runnable: true,
        reason: `${what} ${r.id}: every ${task} of its ${r.kind === 'group' ? 'members' : 'instances'} is done`,
      });
      // No child can do it: the collective's action cannot begin either. (A group that stops
      // still begins its start: the stop completes the group's restart.)
      if (
        (r.kind === 'clone' || task !== 'start' || !this.ends.get(r.id)?.has('stop')) &&
        kids.every(({ e }) => e.begin.every((b) => !g.get(b).runnable))
      )
        g.block(begin, `no ${r.kind === 'clone' ? 'instance' : 'member'} can ${task}`);
      g.order(begin, end, `${r.id} ${task} begins before it completes`);
      for (const { c, e } of kids) {
        for (const b of e.begin) g.order(begin, b, `${c.id} ${task} is part of ${r.id} ${task}`);
        for (const x of e.end) g.order(x, end, `${r.id} ${completed(task)} needs ${c.id} ${task}`);
      }
      this.set(r, task, { begin: [begin], end: [end] });
    }
    if (r.kind === 'group') this.chainMembers(r);
    this.restartPair(r);
    this.phaseOrder(r);
  }

  /** Resources that are the first of a mandatory order on their start. */
  firstOfStartOrder = new Set<string>();
  /** Resources that are the first of an order with require-all=false. */
  oneOrMore = new Set<string>();

  /**
   * A collective that stops part of itself but stays up still goes through its start: a group
   * begins it (its running waits for members that cannot start again), and a clone that others
   * are ordered after both begins and completes it.
   */
  private restartPair(r: WsResource): void {
    const stop = this.endpoints(r, 'stop');
    if (!stop || this.endpoints(r, 'start')) return;
    if ((r.meta.get('target-role') ?? '').toLowerCase() === 'stopped') return;
    if (r.kind === 'clone' && !this.firstOfStartOrder.has(r.id)) return;
    if (r.kind === 'clone' && r.meta.get('clone-min') === undefined && !this.oneOrMore.has(r.id))
      return;
    if (
      r.kind === 'group' &&
      !r.children.some((c) => (c.meta.get('target-role') ?? '').toLowerCase() === 'stopped')
    )
      return;
    const staysUp = primitivesOf(r).some((p) => {
      const a = this.prims.get(p.id);
      const running = [...p.history.values()].some((h) => h.role !== 'Stopped');
      return a !== undefined && a.stops.size === 0 && !p.orphan && running;
    });
    if (!staysUp) return;
    const g = this.g;
    const begin = g.add({
      key: pseudoKey(r.id, 'start'),
      rsc: r.id,
      task: 'start',
      pseudo: true,
      runnable: true,
      reason: `${r.kind} ${r.id} stays up: its start follows its stop`,
    });
    const end = g.add({
      key: pseudoKey(r.id, 'running'),
      rsc: r.id,
      task: 'running',
      pseudo: true,
      runnable: true,
      reason: `${r.kind} ${r.id} is running again`,
    });
    g.order(begin, end, `${r.id} start begins before it completes`);
    if (r.kind === 'group') {
      const gone = r.children.filter((c) => this.endpoints(c, 'stop') !== undefined);
      if (gone.length > 0) g.block(end, `${gone.map((c) => c.id).join(', ')} cannot start again`);
    }
    this.set(r, 'start', { begin: [begin], end: [end] });
  }

  /** Members start (and promote) in order, and stop (and demote) in reverse order. */
  private chainMembers(grp: WsResource): void {
    for (const task of TASKS) {
      const forward = task === 'start' || task === 'promote';
      const list = forward ? grp.children : [...grp.children].reverse();
      let prev: { c: WsResource; e: Endpoints } | undefined;
      for (const c of list) {
        const e = this.endpoints(c, task);
        if (!e) continue;
        if (prev)
          for (const x of prev.e.end)
            for (const b of e.begin)
              this.g.order(x, b, `group ${grp.id}: ${prev.c.id} ${task} before ${c.id} ${task}`);
        prev = { c, e };
      }
    }
  }

  /** Demote, then stop, then start, then promote. */
  private phaseOrder(r: WsResource): void {
    const e = (t: Task): Endpoints | undefined => this.endpoints(r, t);
    const link = (a: Task, b: Task): void => {
      const x = e(a);
      const y = e(b);
      if (!x || !y) return;
      for (const i of x.end)
        for (const j of y.begin) this.g.order(i, j, `${r.id} ${completed(a)} before ${r.id} ${b}`);
    };
    link('demote', 'stop');
    link('stop', 'start');
    link('start', 'promote');
    link('demote', 'promote');
  }
}

/** Every resource in the tree under the top-level ones. */
export function allResources(ws: WorkingSet): WsResource[] {
  const out: WsResource[] = [];
  const walk = (r: WsResource): void => {
    out.push(r);
    for (const c of r.children) walk(c);
  };
  for (const r of ws.resources) walk(r);
  return out;
}
