/**
 * What every constraint kind shares: resource sets (`<resource_set>` with `<resource_ref>`s),
 * tags standing for several resources, and templates standing for the primitives using them.
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren, firstChild } from '../cib-tree.js';
import type { Role, WorkingSet } from '../working-set.js';
import { parseRole } from '../phases/unpack.js';

export interface SetInfo {
  /** The set's own id. */
  readonly id: string;
  readonly ids: string[];
  readonly sequential: boolean;
  readonly requireAll: boolean;
  readonly role?: Role;
  readonly action?: string;
  /** ordering="listed": in a colocation set each member goes with the next one, not the previous. */
  readonly listed: boolean;
}

export function readSets(
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
      id: s.attrs.id ?? '',
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

export function expandTag(id: string, tags: Map<string, string[]>): string[] {
  return tags.get(id) ?? [id];
}

export function readTags(cfg: CibElement): Map<string, string[]> {
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
export function templateUsers(
  ws: WorkingSet,
  byId: Map<string, CibElement>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const el of byId.values()) {
    if (el.name !== 'primitive' || el.attrs.template === undefined) continue;
    const list = out.get(el.attrs.template) ?? [];
    list.push(el.attrs.id ?? '');
    out.set(el.attrs.template, list);
  }
  return out;
}
