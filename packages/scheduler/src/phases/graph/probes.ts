/**
 * Which primitives are probed where. A resource is probed (a one-shot monitor) on every online
 * node that has no record of it. An anonymous clone is one resource to a node: the node is probed
 * once, by one instance — the one placed there, else one placed nowhere — and not at all when any
 * instance has a record there. Globally unique clone instances are probed one by one.
 */
import type { WorkingSet, WsResource } from '../../working-set.js';
import type { Plan } from '../actions.js';

/** The anonymous clone above r, if any, and r's position inside an instance. */
function anonymousClone(r: WsResource): { clone: WsResource; member: number } | undefined {
  const parent = r.parent;
  if (parent?.kind === 'clone')
    return parent.clone?.unique === true ? undefined : { clone: parent, member: -1 };
  const top = parent?.parent;
  if (parent?.kind === 'group' && top?.kind === 'clone' && top.clone?.unique !== true)
    return { clone: top, member: parent.children.indexOf(r) };
  return undefined;
}

function siblingsOf(clone: WsResource, member: number): WsResource[] {
  return clone.children
    .map((inst) => (member < 0 ? inst : inst.children[member]))
    .filter((x): x is WsResource => x !== undefined);
}

const known = (r: WsResource, node: string): boolean => r.history.has(node) || r.probedOn.has(node);

/** Primitive id → nodes to probe it on. */
export function probePlan(ws: WorkingSet, plans: ReadonlyMap<string, Plan>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (id: string, node: string): void => {
    const l = out.get(id);
    if (l) l.push(node);
    else out.set(id, [node]);
  };
  const doneClone = new Set<string>();
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    const anon = anonymousClone(r);
    if (r.orphan) continue;
    if (!anon) {
      for (const n of ws.nodes) if (n.online && !n.unclean && !known(r, n.name)) add(r.id, n.name);
      continue;
    }
    const k = `${anon.clone.id}/${anon.member}`;
    if (doneClone.has(k)) continue;
    doneClone.add(k);
    const sib = siblingsOf(anon.clone, anon.member);
    for (const n of ws.nodes) {
      if (!n.online || n.unclean) continue;
      if (sib.some((s) => known(s, n.name))) continue;
      const placed = sib.find((s) => plans.get(s.id)?.next === n.name);
      const idle = sib.find((s) => {
        const p = plans.get(s.id);
        return p !== undefined && p.next === null && p.current.length === 0;
      });
      const pick = placed ?? idle ?? sib[0];
      if (pick) add(pick.id, n.name);
    }
  }
  return out;
}
