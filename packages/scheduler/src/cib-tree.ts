/**
 * The shape of a CIB document the unpack phase reads: an element tree. It is structurally the same
 * as `@vigil/cib`'s XmlElement, so the CIB package's reader output can be passed in directly.
 */
export interface CibElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly (CibElement | { readonly type: string })[];
}

export function elementChildren(e: CibElement, name?: string): CibElement[] {
  const out: CibElement[] = [];
  for (const c of e.children) {
    if (!('name' in c)) continue;
    const el = c;
    if (name === undefined || el.name === name) out.push(el);
  }
  return out;
}

export function firstChild(e: CibElement, name: string): CibElement | undefined {
  return elementChildren(e, name)[0];
}

/** Depth-first search for descendants with the given element name. */
export function descendants(e: CibElement, name: string, out: CibElement[] = []): CibElement[] {
  for (const c of elementChildren(e)) {
    if (c.name === name) out.push(c);
    descendants(c, name, out);
  }
  return out;
}
