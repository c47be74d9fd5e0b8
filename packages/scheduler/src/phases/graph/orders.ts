/**
 * Order constraints as graph edges. "first A then B" puts A's completion (a primitive's action, a
 * collective's running/stopped/promoted/demoted pseudo action) before B's beginning (the action,
 * or the collective's start/stop/promote/demote pseudo action). A symmetrical order also puts the
 * inverse actions in reverse: B's stop before A's stop. Optional and Serialize orders only order
 * the two when both run. An order between actions that do not happen in this transition adds
 * nothing, and an edge that would close a cycle is left out (Pacemaker logs such loops too).
 */
import type { WorkingSet, WsResource } from '../../working-set.js';
import { primitivesOf } from '../../working-set.js';
import type { Plan } from '../actions.js';
import { willRun } from '../order.js';
import type { GraphBuilder } from './builder.js';
import { type Collectives, type Task, TASKS } from './collective.js';

function inverse(task: Task): Task {
  switch (task) {
    case 'start':
      return 'stop';
    case 'stop':
      return 'start';
    case 'promote':
      return 'demote';
    case 'demote':
      return 'promote';
  }
}

function asTask(a: string): Task | undefined {
  const t = a === 'running' ? 'start' : a === 'stopped' ? 'stop' : a;
  return (TASKS as readonly string[]).includes(t) ? (t as Task) : undefined;
}

/** Will the resource be running once the transition is done (a clone: any instance)? */
function endsUpRunning(r: WsResource, plans: ReadonlyMap<string, Plan>): boolean {
  const ps = primitivesOf(r)
    .map((p) => plans.get(p.id))
    .filter((p): p is Plan => p !== undefined);
  if (ps.length === 0) return false;
  return r.kind === 'clone' ? ps.some(willRun) : ps.every(willRun);
}

export function applyOrderConstraints(
  ws: WorkingSet,
  g: GraphBuilder,
  col: Collectives,
  plans: ReadonlyMap<string, Plan>,
): void {
  const link = (
    first: string,
    fa: Task,
    then: string,
    ta: Task,
    optional: boolean,
    why: string,
  ): void => {
    const f = ws.byId.get(first);
    const t = ws.byId.get(then);
    if (!f || !t) return;
    const fe = col.endpoints(f, fa);
    const te = col.endpoints(t, ta);
    if (!te) return;
    if (!fe) {
      // What must start first neither starts nor runs: what is ordered after it cannot begin.
      if (!optional && (fa === 'start' || fa === 'promote') && !endsUpRunning(f, plans))
        for (const y of te.begin) g.block(y, `${first} cannot ${fa}`);
      return;
    }
    for (const x of fe.end)
      for (const y of te.begin) {
        if (g.reaches(y, x)) continue;
        g.order(x, y, why, { optional });
      }
  };
  for (const o of ws.orders) {
    const fa = asTask(o.firstAction);
    const ta = asTask(o.thenAction);
    if (fa === undefined || ta === undefined) continue;
    const optional = o.kind !== 'Mandatory';
    const kind = o.kind === 'Mandatory' ? '' : ` (${o.kind.toLowerCase()})`;
    link(
      o.first,
      fa,
      o.then,
      ta,
      optional,
      `order ${o.id}${kind}: ${o.first} ${fa} then ${o.then} ${ta}`,
    );
    if (o.symmetrical)
      link(
        o.then,
        inverse(ta),
        o.first,
        inverse(fa),
        optional,
        `order ${o.id}${kind}, reversed: ${o.then} ${inverse(ta)} then ${o.first} ${inverse(fa)}`,
      );
  }
}
