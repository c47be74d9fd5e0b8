/**
 * Clone notifications (`notify=true`). Around each of the clone's demote, stop, start and promote,
 * every instance active at that moment is told before (`pre`) and after (`post`):
 *   C_pre_notify_stop_0 → notify on each active instance → C_confirmed-pre_notify_stop_0 → C_stop_0
 *   C_stopped_0 → C_post_notify_stopped_0 → notify on each instance still active → C_confirmed-post_notify_stopped_0
 * The phases follow each other: demote, stop, start, promote. Each notify action carries the
 * variables the agent reads (Pacemaker Explained, "Clone Notifications"): notify_type,
 * notify_operation, and which instances start, stop, promote, demote, are active and so on.
 */
import type { WsResource } from '../../working-set.js';
import { primitivesOf } from '../../working-set.js';
import type { Plan } from '../actions.js';
import { type GraphBuilder, pseudoKey, resourceKey } from './builder.js';
import { type Collectives, type Task, completed } from './collective.js';
import { type PrimitiveActions, cloneMeta, nameOn, primitiveId } from './primitive.js';

const PHASES: readonly Task[] = ['demote', 'stop', 'start', 'promote'];

interface Instance {
  readonly name: string;
  readonly node: string;
}

/** Instance name → node, as a copy of the map. */
type Active = Map<string, Instance>;

function key(i: Instance): string {
  return `${i.name}@${i.node}`;
}

function list(xs: Iterable<Instance>, what: 'name' | 'node'): string {
  return [...xs].map((x) => (what === 'name' ? x.name : x.node)).join(' ');
}

export function addNotifications(
  clone: WsResource,
  g: GraphBuilder,
  col: Collectives,
  prims: ReadonlyMap<string, PrimitiveActions>,
  plans: ReadonlyMap<string, Plan>,
  allNodes: readonly string[],
): void {
  if (clone.kind !== 'clone' || clone.clone?.notify !== true) return;
  const members = clone.children.flatMap(primitivesOf);
  // Who does what, as instance@node.
  const acts = new Map<Task, Instance[]>(PHASES.map((t) => [t, []]));
  let active: Active = new Map();
  const promoted: Instance[] = [];
  const unpromoted: Instance[] = [];
  for (const m of members) {
    const a = prims.get(m.id);
    const p = plans.get(m.id);
    if (!p) continue;
    const nameOf = (n: string): string => nameOn(m, n);
    for (const n of p.current) {
      if (p.fencedNodes.includes(n)) continue;
      const inst = { name: nameOf(n), node: n };
      active.set(key(inst), inst);
      if (m.history.get(n)?.role === 'Promoted') promoted.push(inst);
      else unpromoted.push(inst);
    }
    if (!a) continue;
    for (const [n, id] of a.stops)
      if (g.get(id).runnable && !g.get(id).pseudo)
        acts.get('stop')!.push({ name: nameOf(n), node: n });
    for (const [n, id] of a.demotes)
      if (g.get(id).runnable && !g.get(id).pseudo)
        acts.get('demote')!.push({ name: nameOf(n), node: n });
    if (a.start !== undefined && g.get(a.start).runnable && p.next !== null)
      acts.get('start')!.push({ name: nameOf(p.next), node: p.next });
    if (a.promote !== undefined && g.get(a.promote).runnable && p.next !== null)
      acts.get('promote')!.push({ name: nameOf(p.next), node: p.next });
  }
  const inactive = members
    .filter((m) => ![...active.values()].some((i) => i.name === m.id))
    .map((m) => m.id);
  const base: Record<string, string> = {
    notify_start_resource: list(acts.get('start')!, 'name'),
    notify_start_uname: list(acts.get('start')!, 'node'),
    notify_stop_resource: list(acts.get('stop')!, 'name'),
    notify_stop_uname: list(acts.get('stop')!, 'node'),
    notify_promote_resource: list(acts.get('promote')!, 'name'),
    notify_promote_uname: list(acts.get('promote')!, 'node'),
    notify_demote_resource: list(acts.get('demote')!, 'name'),
    notify_demote_uname: list(acts.get('demote')!, 'node'),
    notify_active_resource: list(active.values(), 'name'),
    notify_active_uname: list(active.values(), 'node'),
    notify_inactive_resource: inactive.join(' '),
    notify_promoted_resource: list(promoted, 'name'),
    notify_promoted_uname: list(promoted, 'node'),
    notify_master_resource: list(promoted, 'name'),
    notify_master_uname: list(promoted, 'node'),
    notify_unpromoted_resource: list(unpromoted, 'name'),
    notify_unpromoted_uname: list(unpromoted, 'node'),
    notify_slave_resource: list(unpromoted, 'name'),
    notify_slave_uname: list(unpromoted, 'node'),
    notify_all_uname: allNodes.join(' '),
    notify_available_uname: allNodes.join(' '),
  };
  const primOf = new Map(
    members.flatMap((m) => [...m.history].map(([n, st]) => [`${st.lrmId ?? m.id}@${n}`, m])),
  );
  for (const m of members) {
    const p = plans.get(m.id);
    if (p?.next) primOf.set(`${m.id}@${p.next}`, m);
  }

  // An instance whose stop is implied by fencing cannot be told: its notifications are pseudo
  // actions, done once the node is fenced, before the clone's stop round is confirmed.
  const fencedStops: { name: string; stop: number }[] = [];
  for (const m of members) {
    const a = prims.get(m.id);
    if (!a) continue;
    for (const [n, id] of a.stops)
      if (g.get(id).pseudo) fencedStops.push({ name: m.history.get(n)?.lrmId ?? m.id, stop: id });
  }

  let prevDone: number | undefined;
  for (const task of PHASES) {
    const ends = col.endpoints(clone, task);
    if (!ends) continue;
    const begin = ends.begin[0]!;
    const end = ends.end[0]!;
    const runnable = g.get(begin).runnable;
    const notifyRound = (
      type: 'pre' | 'post',
      who: Active,
      before: number | undefined,
      after: number | undefined,
    ): number => {
      const op = type === 'pre' ? task : completed(task);
      const start = g.add({
        key: pseudoKey(clone.id, `${type}_notify_${op}`),
        rsc: clone.id,
        task: 'notify',
        pseudo: true,
        runnable: true,
        reason: `clone ${clone.id}: tell its instances ${type === 'pre' ? 'before' : 'after'} they ${task}`,
        meta: { notify_type: type, notify_operation: task },
      });
      const done = g.add({
        key: pseudoKey(clone.id, `confirmed-${type}_notify_${op}`),
        rsc: clone.id,
        task: 'notified',
        pseudo: true,
        runnable: true,
        reason: `clone ${clone.id}: every instance was told ${type === 'pre' ? 'before' : 'after'} its ${task}`,
      });
      if (!runnable) {
        g.block(start, `${clone.id} cannot ${task}`);
        g.block(done, `${clone.id} cannot ${task}`);
      }
      g.order(
        before,
        start,
        type === 'pre'
          ? 'notification rounds follow each other'
          : `notify after ${clone.id} ${task}`,
      );
      g.order(start, done, 'notifications complete');
      for (const inst of who.values()) {
        const m = primOf.get(key(inst));
        const n = g.add({
          key: resourceKey(inst.name, `${type}_notify_${op}`, 0, inst.node),
          rsc: inst.name,
          primitive: m ? primitiveId(m) : inst.name.replace(/:\d+$/, ''),
          task: 'notify',
          node: inst.node,
          pseudo: false,
          runnable: true,
          reason: `tell ${inst.name} on ${inst.node} ${type === 'pre' ? 'before' : 'after'} ${clone.id} ${task}s`,
          meta: {
            ...(m ? cloneMeta(m) : {}),
            ...base,
            notify_type: type,
            notify_operation: task,
            notify_key_type: type === 'pre' ? 'pre' : 'post',
            notify_key_operation: op,
          },
        });
        if (!runnable) g.block(n, `${clone.id} cannot ${task}`);
        g.order(start, n, 'notify once the round begins');
        g.order(n, done, 'the round completes once each instance was told');
      }
      g.order(done, after, `${clone.id} ${task} once its instances were told`);
      return done;
    };
    notifyRound('pre', active, prevDone, begin);
    // Who is active once the phase is done.
    const nextActive: Active = new Map(active);
    if (task === 'stop') for (const i of acts.get('stop')!) nextActive.delete(key(i));
    if (task === 'start') for (const i of acts.get('start')!) nextActive.set(key(i), i);
    active = nextActive;
    prevDone = notifyRound('post', active, end, undefined);
    if (task !== 'stop') continue;
    for (const f of fencedStops) {
      const post = g.add({
        key: pseudoKey(f.name, 'post_notify_stop'),
        rsc: f.name,
        task: 'notify',
        pseudo: true,
        runnable: true,
        reason: `${f.name} stopped with its fenced node: nothing to tell it`,
      });
      const done = g.add({
        key: pseudoKey(f.name, 'notified'),
        rsc: f.name,
        task: 'notified',
        pseudo: true,
        runnable: true,
        reason: `${f.name} counts as told`,
      });
      for (const b of g.predecessorsOf(f.stop))
        if (g.get(b).task === 'stonith') g.order(b, post, 'once the node is fenced');
      g.order(post, done, 'notification complete');
      g.order(done, prevDone, `${clone.id} stop round confirmed once ${f.name} counts as told`);
    }
  }
}
