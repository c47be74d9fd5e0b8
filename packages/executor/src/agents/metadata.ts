import { VigilError } from '@vigil/base';
import { child, childrenNamed, parseXml, type XmlElement } from '../xml.js';
import { parseDurationMs } from './duration.js';

/** One `<parameter>` of an agent's meta-data. */
export interface ParameterMeta {
  readonly name: string;
  readonly required: boolean;
  readonly unique: boolean;
  readonly reloadable: boolean;
  readonly uniqueGroup?: string;
  readonly deprecated: boolean;
  readonly shortdesc: string;
  readonly longdesc: string;
  /** `string`, `boolean`, `integer`, `select`, … as declared (not checked against a list). */
  readonly type: string;
  /** The declared default, verbatim: it may be unexpanded shell text such as `${HA_VARRUN%%/}/x`. */
  readonly default?: string;
  /** For `select`: the allowed values. */
  readonly options?: readonly string[];
}

/** One `<action>` of an agent's meta-data. Durations are in ms. */
export interface ActionMeta {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly depth?: number;
  readonly role?: string;
}

export interface AgentMetadata {
  readonly name: string;
  /** The agent's own version (`version` attribute of <resource-agent>). */
  readonly version?: string;
  /** The OCF API version (`<version>` element). */
  readonly ocfVersion?: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly parameters: readonly ParameterMeta[];
  readonly actions: readonly ActionMeta[];
}

const clean = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

function bool(v: string | undefined): boolean {
  return v === '1' || v === 'true' || v === 'yes';
}

/** Parses `<resource-agent>` meta-data into the typed form; malformed XML raises VGL_E_PARSE. */
export function parseAgentMetadata(xml: string, what = 'meta-data'): AgentMetadata {
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
  const desc = (el: XmlElement, tag: string): string => {
    const all = childrenNamed(el, tag);
    return clean((all.find((d) => (d.attrs.lang ?? 'en') === 'en') ?? all[0])?.text);
  };
  const parameters: ParameterMeta[] = [];
  for (const p of childrenNamed(child(root, 'parameters') ?? root, 'parameter')) {
    const pname = p.attrs.name;
    if (!pname) throw new VigilError('VGL_E_PARSE', `${what}: a <parameter> has no name`);
    const content = child(p, 'content');
    const options = content ? childrenNamed(content, 'option').map((o) => o.attrs.value ?? '') : [];
    parameters.push({
      name: pname,
      required: bool(p.attrs.required),
      unique: bool(p.attrs.unique),
      reloadable: bool(p.attrs.reloadable),
      ...(p.attrs['unique-group'] !== undefined ? { uniqueGroup: p.attrs['unique-group'] } : {}),
      deprecated: bool(p.attrs.deprecated) || child(p, 'deprecated') !== undefined,
      shortdesc: desc(p, 'shortdesc'),
      longdesc: desc(p, 'longdesc'),
      type: content?.attrs.type ?? 'string',
      ...(content?.attrs.default !== undefined ? { default: content.attrs.default } : {}),
      ...(options.length > 0 ? { options } : {}),
    });
  }
  const actions: ActionMeta[] = [];
  for (const a of childrenNamed(child(root, 'actions') ?? root, 'action')) {
    const aname = a.attrs.name;
    if (!aname) throw new VigilError('VGL_E_PARSE', `${what}: an <action> has no name`);
    const dur = (k: string): number | undefined => {
      const v = a.attrs[k];
      if (v === undefined || v === '') return undefined;
      try {
        return parseDurationMs(v, `${what}: action ${aname} ${k}`);
      } catch (e) {
        throw new VigilError('VGL_E_PARSE', (e as Error).message, { action: aname });
      }
    };
    const timeoutMs = dur('timeout');
    const intervalMs = dur('interval');
    const depth = a.attrs.depth !== undefined ? Number(a.attrs.depth) : undefined;
    actions.push({
      name: aname,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(depth !== undefined && Number.isFinite(depth) ? { depth } : {}),
      ...(a.attrs.role !== undefined ? { role: a.attrs.role } : {}),
    });
  }
  const ocfVersion = child(root, 'version')?.text.trim();
  return {
    name,
    ...(root.attrs.version !== undefined ? { version: root.attrs.version } : {}),
    ...(ocfVersion ? { ocfVersion } : {}),
    shortdesc: desc(root, 'shortdesc'),
    longdesc: desc(root, 'longdesc'),
    parameters,
    actions,
  };
}

/** The meta-data's timeout for `action` (the first matching entry), if declared. */
export function declaredTimeoutMs(md: AgentMetadata, action: string): number | undefined {
  return md.actions.find((a) => a.name === action)?.timeoutMs;
}
