/**
 * crm_mon-style cluster status text (the "Current cluster status" and "Revised Cluster Status"
 * sections of `vigil simulate`), from a working set and, for the revised view, the plans.
 */
import type { Plan } from '../phases/actions.js';
import type { Role, WorkingSet, WsResource } from '../working-set.js';
import { primitivesOf } from '../working-set.js';

/** Where each primitive is, and in which role, for one view of the cluster. */
export interface ClusterView {
  /** Primitive id → node → { role, failed }. */
  readonly placement: Map<string, Map<string, { role: Role; failed: boolean }>>;
  /** Nodes that are down after fencing. */
  readonly fenced: Set<string>;
}

export function currentView(ws: WorkingSet): ClusterView {
  const placement = new Map<string, Map<string, { role: Role; failed: boolean }>>();
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    const m = new Map<string, { role: Role; failed: boolean }>();
    for (const [n, h] of r.history) {
      if (h.role !== 'Stopped' || h.failed) {
        m.set(n, { role: h.role === 'Stopped' ? 'Started' : h.role, failed: h.failed });
      }
    }
    placement.set(r.id, m);
  }
  return { placement, fenced: new Set() };
}

export function revisedView(
  ws: WorkingSet,
  plans: Map<string, Plan>,
  fenced: readonly string[],
): ClusterView {
  const cur = currentView(ws);
  const placement = new Map<string, Map<string, { role: Role; failed: boolean }>>();
  for (const [id, m] of cur.placement) {
    const p = plans.get(id);
    if (!p || p.frozen) {
      const kept = new Map([...m].filter(([n]) => !fenced.includes(n)));
      placement.set(id, kept);
      continue;
    }
    const next = new Map<string, { role: Role; failed: boolean }>();
    if (p.next !== null && p.blocked === undefined) {
      next.set(p.next, { role: p.nextRole, failed: false });
    } else if (p.next !== null && p.current.includes(p.next) && p.blocked !== undefined) {
      // Blocked in place: nothing happens.
    }
    placement.set(id, next);
  }
  return { placement, fenced: new Set(fenced) };
}

function agentText(r: WsResource): string {
  const a = r.agent;
  if (!a) return '';
  return a.provider === undefined ? `${a.cls}:${a.type}` : `${a.cls}:${a.provider}:${a.type}`;
}

function roleText(role: Role): string {
  return role === 'Stopped' ? 'Stopped' : role;
}

function primitiveLine(
  ws: WorkingSet,
  r: WsResource,
  view: ClusterView,
  indent: string,
  name = r.id,
): string {
  const m = view.placement.get(r.id) ?? new Map<string, { role: Role; failed: boolean }>();
  const managed = r.meta.get('is-managed') !== 'false' && !ws.options.maintenanceMode;
  const suffix = managed ? '' : ' (unmanaged)';
  const head = `${indent}* ${name}\t(${agentText(r)}):\t `;
  if (m.size === 0) {
    const disabled = r.meta.get('target-role')?.toLowerCase() === 'stopped' ? ' (disabled)' : '';
    return `${head}Stopped${disabled}${suffix}`;
  }
  if (m.size > 1) {
    const nodes = [...m.keys()].join(' ');
    return `${head}Started [ ${nodes} ]${suffix}`;
  }
  const [node, st] = [...m][0]!;
  const unclean =
    ws.nodeByName.get(node)?.unclean === true && !view.fenced.has(node) ? ' (UNCLEAN)' : '';
  if (st.failed) return `${head}FAILED ${node}${unclean}${suffix}`;
  return `${head}${roleText(st.role === 'Started' && r.promotable ? 'Unpromoted' : st.role)} ${node}${unclean}${suffix}`;
}

function cloneLines(ws: WorkingSet, c: WsResource, view: ClusterView, indent: string): string[] {
  const out: string[] = [];
  const first = c.children[0];
  const childBase = first ? first.id.replace(/:\d+$/, '') : '';
  const tags = [
    c.promotable ? ' (promotable)' : '',
    c.clone?.unique === true ? ' (unique)' : '',
  ].join('');
  out.push(`${indent}* Clone Set: ${c.id} [${childBase}]${tags}:`);
  const inner = `${indent}  `;
  const byRole = new Map<string, string[]>();
  const used = new Set<string>();
  for (const inst of c.children) {
    const prims = primitivesOf(inst);
    const nodes = new Set<string>();
    for (const p of prims) for (const n of view.placement.get(p.id)?.keys() ?? []) nodes.add(n);
    for (const n of nodes) used.add(n);
    if (c.clone?.unique === true || inst.kind === 'group') {
      if (inst.kind === 'group') {
        if (nodes.size === 0) continue;
        out.push(`${inner}* Resource Group: ${inst.id}:`);
        for (const p of prims) out.push(primitiveLine(ws, p, view, `${inner}  `));
      } else out.push(primitiveLine(ws, inst, view, inner));
      continue;
    }
    if (nodes.size === 0) continue;
    const p = prims[0]!;
    const st = [...(view.placement.get(p.id)?.entries() ?? [])];
    const clean =
      st.length === 1 &&
      !st[0]![1].failed &&
      !(ws.nodeByName.get(st[0]![0])?.unclean === true && !view.fenced.has(st[0]![0]));
    if (!clean) {
      out.push(primitiveLine(ws, p, view, inner, childBase));
      continue;
    }
    const role = st[0]![1].role === 'Started' && c.promotable ? 'Unpromoted' : st[0]![1].role;
    const list = byRole.get(role) ?? [];
    list.push(st[0]![0]);
    byRole.set(role, list);
  }
  for (const role of ['Promoted', 'Unpromoted', 'Started']) {
    const list = byRole.get(role);
    if (list) out.push(`${inner}* ${role}: [ ${list.sort().join(' ')} ]`);
  }
  if (c.clone?.unique !== true) {
    const stopped = ws.nodes
      .filter((n) => !used.has(n.name) && !view.fenced.has(n.name))
      .map((n) => n.name);
    if (stopped.length > 0) out.push(`${inner}* Stopped: [ ${stopped.sort().join(' ')} ]`);
  }
  return out;
}

function resourceLines(ws: WorkingSet, r: WsResource, view: ClusterView, indent: string): string[] {
  switch (r.kind) {
    case 'primitive':
      return [primitiveLine(ws, r, view, indent)];
    case 'group':
      return [
        `${indent}* Resource Group: ${r.id}:`,
        ...r.children.flatMap((c) => resourceLines(ws, c, view, `${indent}  `)),
      ];
    case 'clone':
      return cloneLines(ws, r, view, indent);
    case 'bundle':
      return [`${indent}* Container bundle: ${r.id}`];
  }
}

export function formatStatus(ws: WorkingSet, view: ClusterView): string[] {
  const out: string[] = ['  * Node List:'];
  const online: string[] = [];
  const offline: string[] = [];
  for (const n of ws.nodes) {
    const fenced = view.fenced.has(n.name);
    if (n.unclean && !fenced)
      out.push(`    * Node ${n.name}: UNCLEAN (${n.online ? 'online' : 'offline'})`);
    else if (!n.online || fenced) offline.push(n.name);
    else if (n.standby) out.push(`    * Node ${n.name}: standby`);
    else if (n.maintenance) out.push(`    * Node ${n.name}: maintenance`);
    else online.push(n.name);
  }
  if (online.length > 0) out.push(`    * Online: [ ${online.sort().join(' ')} ]`);
  if (offline.length > 0) out.push(`    * OFFLINE: [ ${offline.sort().join(' ')} ]`);
  out.push('', '  * Full List of Resources:');
  const visible = ws.resources.filter(
    (r) => !r.orphan || (view.placement.get(r.id)?.size ?? 0) > 0,
  );
  if (visible.length === 0) out.push('    * No resources');
  for (const r of visible) out.push(...resourceLines(ws, r, view, '    '));
  return out;
}
