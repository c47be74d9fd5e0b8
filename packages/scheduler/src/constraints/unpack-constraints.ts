/**
 * Reads `<constraints>`: each kind is turned into the working set's plain constraint records.
 * Resource sets are expanded into pairwise constraints; rules are evaluated per node here.
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren, firstChild } from '../cib-tree.js';
import { evalRule } from '../rules.js';
import { addScores, parseScore } from '../score.js';
import type { OrderKind, Role, WorkingSet } from '../working-set.js';
import { parseRole } from '../phases/unpack.js';

interface SetInfo {
  readonly ids: string[];
  readonly sequential: boolean;
  readonly requireAll: boolean;
  readonly role?: Role;
  readonly action?: string;
  /** ordering="listed": in a colocation set each member goes with the next one, not the previous. */
  readonly listed: boolean;
}

function readSets(
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): SetInfo[] {
  const out: SetInfo[] = [];
  for (const s0 of elementChildren(c, 'resource_set')) {
    const s = s0.attrs['id-ref'] !== undefined ? (byId.get(s0.attrs['id-ref']) ?? s0) : s0;
    const ids: string[] = [];
    for (const r of elementChildren(s, 'resource_ref'))
      ids.push(...expandTag(r.attrs.id ?? '', tags));
    const role = parseRole(s.attrs.role);
    out.push({
      ids,
      sequential: (s.attrs.sequential ?? 'true') === 'true',
      requireAll: (s.attrs['require-all'] ?? 'true') === 'true',
      listed: s.attrs.ordering === 'listed',
      ...(role === undefined ? {} : { role }),
      ...(s.attrs.action === undefined ? {} : { action: s.attrs.action }),
    });
  }
  return out;
}

function expandTag(id: string, tags: Map<string, string[]>): string[] {
  return tags.get(id) ?? [id];
}

function readTags(cfg: CibElement): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const tagsEl = firstChild(cfg, 'tags');
  for (const t of tagsEl ? elementChildren(tagsEl, 'tag') : []) {
    tags.set(
      t.attrs.id ?? '',
      elementChildren(t, 'obj_ref').map((o) => o.attrs.id ?? ''),
    );
  }
  return tags;
}

/** Template id → primitives using it. */
function templateUsers(ws: WorkingSet, byId: Map<string, CibElement>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const el of byId.values()) {
    if (el.name !== 'primitive' || el.attrs.template === undefined) continue;
    const list = out.get(el.attrs.template) ?? [];
    list.push(el.attrs.id ?? '');
    out.set(el.attrs.template, list);
  }
  return out;
}

export function unpackConstraints(
  ws: WorkingSet,
  cfg: CibElement,
  byId: Map<string, CibElement>,
): void {
  const cons = firstChild(cfg, 'constraints');
  if (!cons) return;
  const tags = readTags(cfg);
  for (const [tpl, users] of templateUsers(ws, byId)) if (!tags.has(tpl)) tags.set(tpl, users);
  for (const c of elementChildren(cons)) {
    switch (c.name) {
      case 'rsc_location':
        unpackLocation(ws, c, byId, tags);
        break;
      case 'rsc_colocation':
        unpackColocation(ws, c, byId, tags);
        break;
      case 'rsc_order':
        unpackOrder(ws, c, byId, tags);
        break;
      default:
        break;
    }
  }
}

function unpackLocation(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  let rscs: string[] = [];
  if (c.attrs.rsc !== undefined) rscs = expandTag(c.attrs.rsc, tags);
  else if (c.attrs['rsc-pattern'] !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(c.attrs['rsc-pattern']);
    } catch {
      return;
    }
    rscs = ws.resources.filter((r) => re.test(r.id)).map((r) => r.id);
  } else {
    for (const s of readSets(c, byId, tags)) rscs.push(...s.ids);
  }
  // A role on the rules (all of them) makes the constraint role-specific too.
  const ruleRoles = elementChildren(c, 'rule').map((r) => parseRole(r.attrs.role));
  const role =
    parseRole(c.attrs.role) ??
    (ruleRoles.length > 0 && ruleRoles.every((r) => r !== undefined && r === ruleRoles[0])
      ? ruleRoles[0]
      : undefined);
  const discovery = c.attrs['resource-discovery'];
  const scores = new Map<string, number>();
  const rules = elementChildren(c, 'rule').map((r) =>
    r.attrs['id-ref'] !== undefined ? (byId.get(r.attrs['id-ref']) ?? r) : r,
  );
  if (c.attrs.node !== undefined) {
    if (!ws.nodeByName.has(c.attrs.node)) return;
    scores.set(c.attrs.node, parseScore(c.attrs.score, 0));
  } else if (rules.length > 0) {
    for (const node of ws.nodes) {
      let total: number | undefined;
      for (const rule of rules) {
        if (!evalRule(rule, { nodeAttrs: node.attrs, nowSec: ws.nowSec })) continue;
        let s: number;
        const sa = rule.attrs['score-attribute'];
        if (sa !== undefined) s = parseScore(node.attrs.get(sa), 0);
        else s = parseScore(rule.attrs.score, 0);
        total = total === undefined ? s : addScores(total, s);
      }
      if (total !== undefined) scores.set(node.name, total);
    }
  } else return;
  const roleForSets = role;
  for (const rsc of rscs) {
    ws.locations.push({
      id,
      rsc,
      scores,
      ...(roleForSets === undefined ? {} : { role: roleForSets }),
      ...(discovery === undefined ? {} : { discovery }),
    });
  }
}

function unpackColocation(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  const score = parseScore(c.attrs.score, 0);
  const nodeAttribute = c.attrs['node-attribute'] ?? '#uname';
  const influence = (c.attrs.influence ?? 'true') === 'true';
  const add = (dep: string, prim: string, dr?: Role, pr?: Role): void => {
    if (dep === prim) return;
    ws.colocations.push({
      id,
      dependent: dep,
      primary: prim,
      score,
      nodeAttribute,
      influence,
      ...(dr === undefined ? {} : { dependentRole: dr }),
      ...(pr === undefined ? {} : { primaryRole: pr }),
    });
  };
  if (c.attrs.rsc !== undefined && c.attrs['with-rsc'] !== undefined) {
    for (const d of expandTag(c.attrs.rsc, tags))
      for (const p of expandTag(c.attrs['with-rsc'], tags))
        add(d, p, parseRole(c.attrs['rsc-role']), parseRole(c.attrs['with-rsc-role']));
    return;
  }
  const sets = readSets(c, byId, tags);
  for (const s of sets) {
    if (!s.sequential) continue;
    for (let i = 1; i < s.ids.length; i++) {
      if (s.listed) add(s.ids[i - 1]!, s.ids[i]!, s.role, s.role);
      else add(s.ids[i]!, s.ids[i - 1]!, s.role, s.role);
    }
  }
  for (let k = 0; k + 1 < sets.length; k++) {
    const a = sets[k]!;
    const b = sets[k + 1]!;
    // Each set is placed after (and depends on) the next one.
    const prims = b.sequential ? b.ids.slice(-1) : b.ids;
    const deps = a.sequential ? a.ids.slice(0, 1) : a.ids;
    for (const d of deps) for (const p of prims) add(d, p, a.role, b.role);
  }
}

/**
 * The deprecated meta attribute restart-type=restart: the resource restarts whenever something
 * ordered before it restarts, even through an optional order (which then binds like a mandatory one).
 */
function restartsWithDependencies(ws: WorkingSet, id: string): boolean {
  return ws.byId.get(id)?.meta.get('restart-type')?.toLowerCase() === 'restart';
}

function orderKind(c: CibElement): OrderKind {
  const kind = c.attrs.kind;
  if (kind === 'Optional' || kind === 'Serialize' || kind === 'Mandatory') return kind;
  if (kind !== undefined) return 'Mandatory';
  const score = c.attrs.score;
  if (score !== undefined && parseScore(score, 0) === 0) return 'Optional';
  return 'Mandatory';
}

function unpackOrder(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  const kind = orderKind(c);
  const symmetrical = (c.attrs.symmetrical ?? (kind === 'Serialize' ? 'false' : 'true')) === 'true';
  const add = (first: string, fa: string, then: string, ta: string, requireAll = true): void => {
    ws.orders.push({
      id,
      first,
      firstAction: fa,
      then,
      thenAction: ta,
      kind: kind === 'Optional' && restartsWithDependencies(ws, then) ? 'Mandatory' : kind,
      symmetrical,
      requireAll,
    });
  };
  if (c.attrs.first !== undefined && c.attrs.then !== undefined) {
    const fa = c.attrs['first-action'] ?? 'start';
    const ta = c.attrs['then-action'] ?? fa;
    for (const f of expandTag(c.attrs.first, tags))
      for (const t of expandTag(c.attrs.then, tags)) add(f, fa, t, ta);
    return;
  }
  const sets = readSets(c, byId, tags);
  for (const s of sets) {
    if (!s.sequential) continue;
    const a = s.action ?? 'start';
    for (let i = 1; i < s.ids.length; i++) add(s.ids[i - 1]!, a, s.ids[i]!, a);
  }
  for (let k = 0; k + 1 < sets.length; k++) {
    const a = sets[k]!;
    const b = sets[k + 1]!;
    const firsts = a.sequential ? a.ids.slice(-1) : a.ids;
    const thens = b.sequential ? b.ids.slice(0, 1) : b.ids;
    for (const f of firsts)
      for (const t of thens) add(f, a.action ?? 'start', t, b.action ?? 'start', a.requireAll);
  }
}
