import { VigilError } from '@vigil/base';
import { childNamed, childrenNamed, parseXml } from './xml.js';

/** A fence agent's meta-data (`-o metadata`), in the form the fencer and the CLI use. */
export interface FenceAgentMetadata {
  readonly name: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly parameters: readonly FenceParameter[];
  /** Action names the agent advertises (`on`, `off`, `reboot`, `status`, `list`, …). */
  readonly actions: readonly string[];
}

export interface FenceParameter {
  readonly name: string;
  readonly required: boolean;
  readonly deprecated: boolean;
  /** The parameter this one replaces, if any (`obsoletes="…"`). */
  readonly obsoletes?: string;
  readonly type: string;
  readonly default?: string;
  readonly shortdesc: string;
  /** The command-line form, e.g. `-n, --plug=[id]`. */
  readonly getopt?: string;
}

/** Parses fence-agent meta-data XML; errors are VGL_E_PARSE naming the agent and the line. */
export function parseFenceMetadata(xml: string, agent: string): FenceAgentMetadata {
  const what = `meta-data of ${agent}`;
  const root = parseXml(xml, what);
  if (root.name !== 'resource-agent') {
    throw new VigilError(
      'VGL_E_PARSE',
      `${what}: root element is <${root.name}>, expected <resource-agent>`,
    );
  }
  const name = root.attrs.name;
  if (name === undefined || name === '') {
    throw new VigilError('VGL_E_PARSE', `${what}: <resource-agent> has no name`);
  }
  const params = childNamed(root, 'parameters');
  const parameters: FenceParameter[] = [];
  const seen = new Set<string>();
  for (const p of params ? childrenNamed(params, 'parameter') : []) {
    const pname = p.attrs.name;
    if (pname === undefined || pname === '') {
      throw new VigilError('VGL_E_PARSE', `${what}: a <parameter> has no name`);
    }
    if (seen.has(pname)) continue; // some agents list an alias twice; the first wins
    seen.add(pname);
    const content = childNamed(p, 'content');
    const getopt = childNamed(p, 'getopt')?.attrs.mixed;
    const def = content?.attrs.default;
    const obsoletes = p.attrs.obsoletes;
    parameters.push({
      name: pname,
      required: p.attrs.required === '1',
      deprecated: p.attrs.deprecated === '1',
      type: content?.attrs.type ?? 'string',
      shortdesc: (childNamed(p, 'shortdesc')?.text ?? '').trim(),
      ...(def !== undefined ? { default: def } : {}),
      ...(getopt !== undefined ? { getopt } : {}),
      ...(obsoletes !== undefined ? { obsoletes } : {}),
    });
  }
  const actionsEl = childNamed(root, 'actions');
  const actions = (actionsEl ? childrenNamed(actionsEl, 'action') : [])
    .map((a) => a.attrs.name)
    .filter((a): a is string => a !== undefined && a !== '');
  return {
    name,
    shortdesc: root.attrs.shortdesc ?? childNamed(root, 'shortdesc')?.text.trim() ?? '',
    longdesc: (childNamed(root, 'longdesc')?.text ?? '').trim(),
    parameters,
    actions: [...new Set(actions)],
  };
}

/**
 * The parameter that carries the plug: `port` if the agent has it, else `plug`, else none (the
 * agent does not take one, like fence_dummy).
 */
export function hostArgumentOf(md: FenceAgentMetadata): string | undefined {
  const names = new Set(md.parameters.map((p) => p.name));
  if (names.has('port')) return 'port';
  if (names.has('plug')) return 'plug';
  return undefined;
}
