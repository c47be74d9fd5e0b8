import { VigilError } from '@vigil/base';
import {
  durationSeconds,
  parseIsoDuration,
  readCib,
  writeCib,
  type Cib as XmlCib,
  type NvSet,
  type Primitive as XmlPrimitive,
  type Resource as XmlResource,
} from '@vigil/cib';
import {
  parseScore,
  fmtScore,
  type CibConfig,
  type Constraint,
  type PrimitiveDef,
  type ResourceDef,
} from './model.js';

/**
 * Pacemaker CIB XML ⇄ vigild's configuration, through `@vigil/cib`'s reader and writer.
 *
 * Import refuses, naming each, what vigild cannot run yet (bundles, templates, rules, resource
 * sets, clones of groups, promotable clones): nothing is half-applied.
 */
export function configFromCibXml(text: string): { config: CibConfig; warnings: string[] } {
  const { cib, warnings } = readCib(text);
  const c = cib.configuration;
  const problems: string[] = [];
  const resources: ResourceDef[] = [];
  for (const r of c.resources) {
    const d = resourceFrom(r, problems);
    if (d) resources.push(d);
  }
  if (c.templates.length > 0)
    problems.push(`templates (${c.templates.map((t) => t.id).join(', ')})`);
  const constraints: Constraint[] = [];
  for (const k of c.constraints) {
    if (k.kind === 'location') {
      if (
        k.rules.length > 0 ||
        k.sets.length > 0 ||
        k.rsc === undefined ||
        k.node === undefined ||
        k.score === undefined
      )
        problems.push(`location ${k.id}: only rsc + node + score is supported`);
      else
        constraints.push({
          kind: 'location',
          id: k.id,
          rsc: k.rsc,
          node: k.node,
          score: parseScore(k.score, k.id),
        });
    } else if (k.kind === 'colocation') {
      if (k.sets.length > 0 || k.rsc === undefined || k.withRsc === undefined)
        problems.push(`colocation ${k.id}: resource sets are not supported`);
      else
        constraints.push({
          kind: 'colocation',
          id: k.id,
          rsc: k.rsc,
          withRsc: k.withRsc,
          score: parseScore(k.score ?? 'INFINITY', k.id),
        });
    } else if (k.kind === 'order') {
      if (k.sets.length > 0 || k.first === undefined || k.then === undefined)
        problems.push(`order ${k.id}: resource sets are not supported`);
      else constraints.push({ kind: 'order', id: k.id, first: k.first, then: k.then });
    } else problems.push(`${k.kind} constraint ${k.id}`);
  }
  const nodes: Record<string, { standby: boolean; maintenance: boolean }> = {};
  for (const n of c.nodes) {
    const a = pairs(n.instanceAttributes);
    nodes[n.uname] = {
      standby: a.standby === 'on' || a.standby === 'true',
      maintenance: a.maintenance === 'on' || a.maintenance === 'true',
    };
  }
  if (problems.length > 0)
    throw new VigilError(
      'VGL_E_UNSUPPORTED',
      `the CIB uses what vigild cannot run yet; nothing was imported:\n  ${problems.join('\n  ')}`,
      {
        problems,
      },
    );
  return {
    config: { resources, constraints, nodes, properties: pairs(c.crmConfig) },
    warnings: warnings.map((w) => w.message),
  };
}

export function configToCibXml(config: CibConfig, configVersion: number): string {
  return writeCib(configToCibModel(config, configVersion));
}

/** vigild's configuration as a `@vigil/cib` model (no status section). */
export function configToCibModel(config: CibConfig, configVersion: number): XmlCib {
  let n = 0;
  const set = (owner: string, kind: string, m: Readonly<Record<string, string>>): NvSet[] =>
    Object.keys(m).length === 0
      ? []
      : [
          {
            id: `${owner}-${kind}`,
            rules: [],
            nvpairs: Object.entries(m).map(([name, value]) => ({
              id: `${owner}-${kind}-${name}`,
              name,
              value,
            })),
          },
        ];
  const prim = (p: PrimitiveDef): XmlPrimitive => ({
    kind: 'primitive',
    id: p.id,
    class: p.class,
    ...(p.class === 'ocf' ? { provider: p.provider } : {}),
    type: p.type,
    instanceAttributes: set(p.id, 'instance_attributes', p.params),
    metaAttributes: set(p.id, 'meta_attributes', p.meta),
    utilization: [],
    operations: {
      ops: p.ops.map((o) => ({
        id: `${p.id}-${o.name}-interval-${msText(o.intervalMs)}`,
        name: o.name,
        interval: msText(o.intervalMs),
        timeout: msText(o.timeoutMs),
        instanceAttributes: [],
        metaAttributes: [],
      })),
    },
  });
  const resources: XmlResource[] = config.resources.map((r) =>
    r.kind === 'primitive'
      ? prim(r)
      : r.kind === 'group'
        ? {
            kind: 'group',
            id: r.id,
            children: r.members.map(prim),
            metaAttributes: set(r.id, 'meta_attributes', r.meta),
            instanceAttributes: [],
          }
        : {
            kind: 'clone',
            id: r.id,
            child: prim(r.child),
            metaAttributes: set(r.id, 'meta_attributes', r.meta),
            instanceAttributes: [],
          },
  );
  const cib: XmlCib = {
    attributes: {
      epoch: configVersion,
      numUpdates: 0,
      adminEpoch: 0,
      validateWith: 'pacemaker-3.0',
    },
    configuration: {
      crmConfig: set('cib-bootstrap-options', 'set', config.properties).map((s) => ({
        ...s,
        id: 'cib-bootstrap-options',
      })),
      nodes: Object.entries(config.nodes).map(([uname, s]) => ({
        id: String(++n),
        uname,
        instanceAttributes: set(`nodes-${uname}`, 'instance_attributes', {
          ...(s.standby ? { standby: 'on' } : {}),
          ...(s.maintenance ? { maintenance: 'on' } : {}),
        }),
        utilization: [],
      })),
      resources,
      templates: [],
      constraints: config.constraints.map((k) =>
        k.kind === 'location'
          ? {
              kind: 'location',
              id: k.id,
              rsc: k.rsc,
              node: k.node,
              score: fmtScore(k.score),
              rules: [],
              sets: [],
            }
          : k.kind === 'colocation'
            ? {
                kind: 'colocation',
                id: k.id,
                rsc: k.rsc,
                withRsc: k.withRsc,
                score: fmtScore(k.score),
                sets: [],
              }
            : { kind: 'order', id: k.id, first: k.first, then: k.then, sets: [] },
      ),
      rscDefaults: [],
      opDefaults: [],
      tags: [],
      alerts: [],
      fencingTopology: [],
    },
    status: { nodeStates: [] },
    statusAbsent: true,
  };
  return cib;
}

/** A duration in the shortest exact Pacemaker form: `10s`, `500ms`. */
function msText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function pairs(sets: readonly NvSet[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets)
    for (const p of s.nvpairs)
      if (p.name !== undefined && p.value !== undefined) out[p.name] = p.value;
  return out;
}

function resourceFrom(r: XmlResource, problems: string[]): ResourceDef | undefined {
  if (r.kind === 'primitive') return primFrom(r, problems);
  if (r.kind === 'group') {
    const members = r.children
      .map((c) => primFrom(c, problems))
      .filter((x): x is PrimitiveDef => x !== undefined);
    return { kind: 'group', id: r.id, members, meta: pairs(r.metaAttributes) };
  }
  if (r.kind === 'clone') {
    const meta = pairs(r.metaAttributes);
    if (r.legacyMaster === true || meta.promotable === 'true')
      problems.push(`promotable clone ${r.id}`);
    if (r.child.kind !== 'primitive') {
      problems.push(`clone ${r.id} of a group`);
      return undefined;
    }
    const child = primFrom(r.child, problems);
    return child ? { kind: 'clone', id: r.id, child, meta } : undefined;
  }
  problems.push(`bundle ${r.id}`);
  return undefined;
}

function primFrom(p: XmlPrimitive, problems: string[]): PrimitiveDef | undefined {
  if (p.template !== undefined || p.class === undefined || p.type === undefined) {
    problems.push(`primitive ${p.id}: templates are not supported`);
    return undefined;
  }
  const ops = (p.operations?.ops ?? [])
    .filter((o) => o.name === 'monitor' && o.interval !== undefined && durationMs(o.interval) > 0)
    .map((o) => ({
      name: 'monitor' as const,
      intervalMs: durationMs(o.interval ?? '0'),
      timeoutMs: durationMs(o.timeout ?? '20s') || 20_000,
    }));
  return {
    kind: 'primitive',
    id: p.id,
    class: p.class,
    provider: p.provider ?? '',
    type: p.type,
    params: pairs(p.instanceAttributes),
    meta: pairs(p.metaAttributes),
    ops,
  };
}

/** Pacemaker durations: `10`, `10s`, `500ms`, `2min`, `1h`, or ISO 8601 `PT10S`. */
export function durationMs(text: string): number {
  const t = text.trim();
  if (/^P/i.test(t)) {
    const d = parseIsoDuration(t);
    if (d === undefined) throw new VigilError('VGL_E_INVALID_INPUT', `'${text}' is not a duration`);
    return durationSeconds(d) * 1000;
  }
  const m = /^(\d+)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?$/i.exec(t);
  if (!m) throw new VigilError('VGL_E_INVALID_INPUT', `'${text}' is not a duration`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const mult: Record<string, number> = {
    ms: 1,
    msec: 1,
    us: 0.001,
    usec: 0.001,
    s: 1000,
    sec: 1000,
    m: 60_000,
    min: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
  };
  return Math.round(n * (mult[unit] ?? 1000));
}
