/**
 * Group variant, after ordering: how a block on a whole group is worded member by member.
 *
 * When an order makes a group's start unrunnable (say "unrunnable G1 running") while the group
 * stays on its node, crm_simulate names the group-level cause only up to the first member that
 * runs; from there each member is reported through the member chain: a member that is not
 * running cannot start because the one before it cannot ("unrunnable PREV start"); a running one
 * must stop because the one before it does ("required PREV start" after a member that is not
 * running; between running members the wording alternates between "required PREV start" and
 * "required PREV stop", starting with "start" when the first running member is the group's
 * first member and with "stop" otherwise). When the group would move, every member keeps the
 * group-level cause, and when the resource behind the cause has work of its own in this
 * transition the wording differs again, so it is left as is. (Observed with crm_simulate 2.1.5
 * on every running/stopped pattern of three- and four-member groups.)
 */
import type { WorkingSet } from '../working-set.js';
import { primitivesOf } from '../working-set.js';
import type { Plan } from '../phases/actions.js';

export function rewordGroupChains(ws: WorkingSet, plans: Map<string, Plan>): void {
  for (const g of ws.byId.values()) {
    if (g.kind !== 'group' || g.children.length < 2) continue;
    const ps = g.children.map((m) => plans.get(m.id));
    if (ps.some((p) => p === undefined || p.frozen)) continue;
    const members = ps as Plan[];
    const cause = members[0]!.blocked;
    if (cause === undefined || !cause.startsWith('unrunnable ')) continue;
    if (members.some((p) => p.blocked !== cause || p.next === null)) continue;
    const running = members.map((p) => p.current.length > 0);
    // The group would move: every member keeps the group-level cause.
    if (
      members.some(
        (p, i) => running[i] === true && (p.current.length !== 1 || p.current[0] !== p.next),
      )
    )
      continue;
    if (!idle(ws, plans, cause)) continue;
    const k = running.indexOf(true);
    if (k < 0) continue;
    let kind: 'start' | 'stop' = k === 0 ? 'stop' : 'start';
    for (let i = k + 1; i < members.length; i++) {
      const prev = g.children[i - 1]!.id;
      if (!running[i]) {
        members[i]!.blocked = `unrunnable ${prev} start`;
        continue;
      }
      kind = running[i - 1] === true ? (kind === 'start' ? 'stop' : 'start') : 'start';
      members[i]!.blocked = `required ${prev} ${kind}`;
    }
  }
}

/** The resource named in "unrunnable RSC action" has no runnable action in this transition. */
function idle(ws: WorkingSet, plans: Map<string, Plan>, cause: string): boolean {
  const r = ws.byId.get(cause.split(' ')[1] ?? '');
  if (!r) return false;
  return primitivesOf(r).every((x) => {
    const p = plans.get(x.id);
    if (!p || p.frozen) return true;
    if (p.current.length === 0) return p.next === null || p.blocked !== undefined;
    return (
      p.current.length === 1 &&
      p.next === p.current[0] &&
      !p.failed &&
      p.restart === undefined &&
      p.blocked === undefined
    );
  });
}
