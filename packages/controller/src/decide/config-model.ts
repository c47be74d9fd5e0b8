import { VigilError } from '@vigil/base';
import {
  CibIndex,
  emptyConfiguration,
  evaluateNvSets,
  isTrue,
  parseIntervalMs,
  type Cib as PcmkCib,
  type Configuration,
  type Constraint as PcmkConstraint,
  type NvSet,
  type Primitive,
  type Resource,
  type RuleContext,
  type Template,
} from '@vigil/cib';
import { fmtScore, type Constraint, type PrimitiveDef, type ResourceDef } from './model.js';

/**
 * The replicated configuration is `@vigil/cib`'s `Configuration`: the configuration section of a
 * Pacemaker CIB as plain data, so whatever the scheduler understands (promotable clones, rules,
 * resource sets, templates, tags, defaults, utilization) is kept, exported and scheduled.
 *
 * This module reads it the way the controller and the node side need (a primitive resolved into
 * the agent, parameters and meta attributes to run it with; node settings; cluster properties)
 * and edits it the way the CLI does (`apply.ts`). Edits never mutate: they return a new
 * configuration. Nodes are found by `uname`; nodes vigild creates have `id = uname`.
 *
 * Resolution for the node side (`resolvePrimitiveOn`, `primitivesOn`) evaluates the sets as
 * Pacemaker 2.1 does for an action (observed with crm_simulate): instance attributes with the
 * node the action runs on (its name, permanent and transient attributes) and the time of the
 * action; meta attributes with the time but no node (a meta set whose rule tests a node
 * attribute never applies). The time is an input: the caller reads the clock. Without a
 * `ResolveAt` (`resolvePrimitive`, `primitives`: the status view, the CLI), sets whose rules test
 * node attributes or dates do not apply.
 */

export const BOOTSTRAP_SET_ID = 'cib-bootstrap-options';

/** A top-level resource as the status view and the CLI describe it. */
export interface TopResource {
  readonly id: string;
  readonly kind: Resource['kind'];
  readonly promotable: boolean;
  /** Its own meta attributes, evaluated. */
  readonly meta: Readonly<Record<string, string>>;
}

export interface ResolvedPrimitive {
  readonly prim: PrimitiveDef;
  readonly top: TopResource;
}

interface Derived {
  readonly index: CibIndex;
  /** Every primitive that names an agent, in configuration order. */
  readonly primitives: readonly ResolvedPrimitive[];
  readonly byId: ReadonlyMap<string, ResolvedPrimitive>;
  /** Top-level fence devices (class stonith), resolved, in configuration order. */
  readonly fenceDevices: readonly PrimitiveDef[];
  readonly properties: Readonly<Record<string, string>>;
  readonly ids: ReadonlySet<string>;
}

// Configurations are never mutated once built, so what is derived from one is cached with it.
const derivedCache = new WeakMap<Configuration, Derived>();

export function asPcmkCib(config: Configuration, epoch = 0): PcmkCib {
  return {
    attributes: { epoch, numUpdates: 0, adminEpoch: 0, validateWith: 'pacemaker-3.9' },
    configuration: config,
    status: { nodeStates: [] },
    statusAbsent: true,
  };
}

function derive(config: Configuration): Derived {
  const cached = derivedCache.get(config);
  if (cached) return cached;
  const index = CibIndex.of(asPcmkCib(config));
  const primitives: ResolvedPrimitive[] = [];
  const fenceDevices: PrimitiveDef[] = [];
  for (const r of config.resources) {
    const top: TopResource = {
      id: r.id,
      kind: r.kind,
      promotable:
        r.kind === 'clone' &&
        (r.legacyMaster === true || isTrue(metaOf(index, r.metaAttributes).promotable)),
      meta: metaOf(index, r.metaAttributes),
    };
    const add = (p: Primitive, chain: readonly Resource[]): void => {
      const def = resolve(index, p, chain, config.rscDefaults, undefined);
      // Fence devices are not placed or run by the node side: the DC's fencer runs their agent
      // (see cib-fencing.ts). Only top-level ones are fence devices (import refuses the others).
      if (def?.class === 'stonith') {
        if (chain.length === 0) fenceDevices.push(def);
      } else if (def) primitives.push({ prim: def, top });
    };
    if (r.kind === 'primitive') add(r, []);
    else if (r.kind === 'group') for (const c of r.children) add(c, [r]);
    else if (r.kind === 'clone') {
      if (r.child.kind === 'primitive') add(r.child, [r]);
      else for (const c of r.child.children) add(c, [r, r.child]);
    } else if (r.primitive) add(r.primitive, [r]);
  }
  const d: Derived = {
    index,
    primitives,
    byId: new Map(primitives.map((p) => [p.prim.id, p])),
    fenceDevices,
    properties: mapOf(evaluateNvSets(config.crmConfig, {}, { index, firstId: BOOTSTRAP_SET_ID })),
    ids: collectIds(config),
  };
  derivedCache.set(config, d);
  return d;
}

function mapOf(m: Map<string, string>): Record<string, string> {
  return Object.fromEntries(m);
}

function metaOf(index: CibIndex, sets: readonly NvSet[]): Record<string, string> {
  return mapOf(evaluateNvSets(sets, {}, { index }));
}

/**
 * Where and when a primitive is resolved for the node side: the node the action runs on, with
 * its attributes (`nodeRuleAttributes`), and the time of the action in seconds since the epoch.
 */
export interface ResolveAt {
  readonly node: string;
  /** Node attributes as rules see them, built-ins (`#uname`…) included. */
  readonly nodeAttributes: Readonly<Record<string, string>>;
  readonly nowSec: number;
}

/**
 * A primitive as the node side runs it. Sets are evaluated as the scheduler evaluates a
 * resource's own: with its agent known to the rules (`rsc_expression`, as rsc_defaults use them);
 * with `at`, parameters for that node at that time and meta attributes at that time (see the
 * module comment). Meta is rsc_defaults, then each containing resource's, then its own; a
 * template's sets count after the primitive's own (the primitive's values win).
 */
function resolve(
  index: CibIndex,
  p: Primitive,
  chain: readonly Resource[],
  rscDefaults: readonly NvSet[],
  at: ResolveAt | undefined,
): PrimitiveDef | undefined {
  const e = index.effectivePrimitive(p);
  if (e.class === undefined || e.type === undefined) return undefined;
  const resource = {
    class: e.class,
    type: e.type,
    ...(e.provider === undefined ? {} : { provider: e.provider }),
  };
  const metaCtx: RuleContext = at === undefined ? { resource } : { resource, now: at.nowSec };
  const paramCtx: RuleContext =
    at === undefined ? metaCtx : { ...metaCtx, nodeAttributes: at.nodeAttributes };
  const evaluate = (sets: readonly NvSet[], ctx: RuleContext): Record<string, string> =>
    mapOf(evaluateNvSets(sets, ctx, { index }));
  const template = p.template === undefined ? undefined : index.templates.get(p.template);
  const own = (pick: (x: Primitive | Template) => readonly NvSet[], ctx: RuleContext) => ({
    ...(template === undefined ? {} : evaluate(pick(template), ctx)),
    ...evaluate(pick(p), ctx),
  });
  let meta = evaluate(rscDefaults, metaCtx);
  for (const c of chain) meta = { ...meta, ...evaluate(c.metaAttributes, metaCtx) };
  const ops: PrimitiveDef['ops'][number][] = [];
  for (const o of e.ops) {
    if (o.name !== 'monitor' || o.interval === undefined) continue;
    const intervalMs = parseIntervalMs(o.interval) ?? 0;
    if (intervalMs <= 0) continue;
    const timeoutMs = (o.timeout === undefined ? undefined : parseIntervalMs(o.timeout)) ?? 20_000;
    ops.push({ name: 'monitor', intervalMs, timeoutMs: timeoutMs > 0 ? timeoutMs : 20_000 });
  }
  return {
    kind: 'primitive',
    id: p.id,
    class: e.class,
    provider: e.provider ?? '',
    type: e.type,
    params: own((x) => x.instanceAttributes, paramCtx),
    meta: { ...meta, ...own((x) => x.metaAttributes, metaCtx) },
    ops,
  };
}

/** The chain of resources containing `id` (outermost first), as `derive` walks them. */
function containers(index: CibIndex, id: string): Resource[] {
  const chain: Resource[] = [];
  for (let r = index.parents.get(id); r !== undefined; r = index.parents.get(r.id))
    chain.unshift(r);
  return chain;
}

/** Every primitive with an agent (fence devices excepted), resolved, with its top-level resource. */
export function primitives(config: Configuration): readonly ResolvedPrimitive[] {
  return derive(config).primitives;
}

/**
 * The fence devices: top-level primitives of class stonith, resolved as the node side's are
 * (template applied; instance attributes and meta with rsc_defaults, evaluated without a node).
 */
export function fenceDevicePrimitives(config: Configuration): readonly PrimitiveDef[] {
  return derive(config).fenceDevices;
}

/**
 * The primitive `id` (any depth), resolved without a node or a time (see the module comment):
 * what the status view and the CLI show.
 */
export function resolvePrimitive(config: Configuration, id: string): PrimitiveDef | undefined {
  return derive(config).byId.get(id)?.prim;
}

/**
 * The primitive `id` as the node side runs it on `at.node` at `at.nowSec`: parameters whose
 * rules test that node's attributes or the time take their values there and then.
 */
export function resolvePrimitiveOn(
  config: Configuration,
  id: string,
  at: ResolveAt,
): PrimitiveDef | undefined {
  const d = derive(config);
  const known = d.byId.get(id);
  const p = d.index.resources.get(id);
  if (known === undefined || p?.kind !== 'primitive') return undefined;
  return resolve(d.index, p, containers(d.index, id), config.rscDefaults, at);
}

/** Every primitive `primitives` lists, resolved for the node side at `at` (probes on refresh). */
export function primitivesOn(config: Configuration, at: ResolveAt): PrimitiveDef[] {
  const out: PrimitiveDef[] = [];
  for (const { prim } of derive(config).primitives) {
    const def = resolvePrimitiveOn(config, prim.id, at);
    if (def !== undefined) out.push(def);
  }
  return out;
}

/**
 * A node's attributes as rules see them, the way the scheduler builds them: the built-ins
 * `#uname`, `#id` (vigild's node ids are their names), `#kind` (`cluster`) and `#is_dc`, then
 * the transient attributes (the status section's), then the permanent ones (the `nodes`
 * section's) where no transient one has the name.
 */
export function nodeRuleAttributes(
  config: Configuration,
  node: string,
  transient: Readonly<Record<string, string>>,
  dc: string | undefined,
): Record<string, string> {
  return {
    ...nodeSettings(config, node).attributes,
    ...transient,
    '#uname': node,
    '#id': node,
    '#kind': 'cluster',
    '#is_dc': dc === node ? 'true' : 'false',
  };
}

/** A resource at any depth, with the resource that contains it. */
export function findResource(
  config: Configuration,
  id: string,
): { res: Resource; parent: Resource | undefined } | undefined {
  const ix = derive(config).index;
  const res = ix.resources.get(id);
  return res === undefined ? undefined : { res, parent: ix.parents.get(id) };
}

/** The top-level resource that holds `id` (itself when it is top-level). */
export function topOf(config: Configuration, id: string): Resource | undefined {
  const ix = derive(config).index;
  let r = ix.resources.get(id);
  while (r && ix.parents.has(r.id)) r = ix.parents.get(r.id);
  return r;
}

/** The resource `id` and every resource inside it. */
export function idsUnder(r: Resource): string[] {
  switch (r.kind) {
    case 'primitive':
      return [r.id];
    case 'group':
      return [r.id, ...r.children.map((c) => c.id)];
    case 'clone':
      return [r.id, ...idsUnder(r.child)];
    case 'bundle':
      return [r.id, ...(r.primitive ? [r.primitive.id] : [])];
  }
}

/** Cluster properties (`crm_config`), evaluated: `cib-bootstrap-options` first. */
export function properties(config: Configuration): Readonly<Record<string, string>> {
  return derive(config).properties;
}

/** Whether `id` names a resource (any depth) or a tag: what a constraint may reference. */
export function isReferenceable(config: Configuration, id: string): boolean {
  const ix = derive(config).index;
  return ix.resources.has(id) || ix.tags.has(id);
}

/** Every `id` used anywhere in the configuration (ids are unique across a CIB). */
export function usedIds(config: Configuration): ReadonlySet<string> {
  return derive(config).ids;
}

function collectIds(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) collectIds(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v))
      if (k === 'id' && typeof x === 'string') out.add(x);
      else if (typeof x === 'object') collectIds(x, out);
  }
  return out;
}

/** An id not in use yet: `base`, else `base-2`, `base-3`… */
export function freshId(taken: Set<string>, base: string): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

export interface NodeSettings {
  readonly standby: boolean;
  readonly maintenance: boolean;
  /** Permanent node attributes (crm_attribute -l forever), evaluated. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly utilization: Readonly<Record<string, string>>;
}

export function nodeSettings(config: Configuration, uname: string): NodeSettings {
  const n = config.nodes.find((x) => x.uname === uname);
  if (!n) return { standby: false, maintenance: false, attributes: {}, utilization: {} };
  const ix = derive(config).index;
  const attributes = mapOf(evaluateNvSets(n.instanceAttributes, {}, { index: ix }));
  return {
    standby: isTrue(attributes.standby),
    maintenance: isTrue(attributes.maintenance),
    attributes,
    utilization: mapOf(evaluateNvSets(n.utilization, {}, { index: ix })),
  };
}

// ---------------------------------------------------------------------------------------------
// Edits

/**
 * Sets (or with `null` removes) `name` in a list of nvpair sets: every rule-less set loses the
 * name, then the first rule-less set (created with id `setId` when there is none) gets the
 * value. Sets with rules are left as they are: they say when they apply.
 */
export function setNv(
  sets: readonly NvSet[],
  name: string,
  value: string | null,
  setId: string,
  taken: Set<string>,
): NvSet[] {
  const out = sets.map((s) =>
    s.rules.length > 0 || s.idRef !== undefined
      ? s
      : { ...s, nvpairs: s.nvpairs.filter((p) => p.name !== name) },
  );
  if (value === null)
    return out.filter((s) => s.nvpairs.length > 0 || s.rules.length > 0 || s.idRef !== undefined);
  let i = out.findIndex((s) => s.rules.length === 0 && s.idRef === undefined);
  if (i < 0) {
    out.push({ id: freshId(taken, setId), rules: [], nvpairs: [] });
    i = out.length - 1;
  }
  const s = out[i]!;
  out[i] = {
    ...s,
    nvpairs: [...s.nvpairs, { id: freshId(taken, `${s.id ?? setId}-${name}`), name, value }],
  };
  return out;
}

/** A node's nvpair (`instance` attributes or `utilization`) set or removed. */
export function setNodeNv(
  config: Configuration,
  uname: string,
  which: 'instance' | 'utilization',
  name: string,
  value: string | null,
): Configuration {
  const taken = new Set(usedIds(config));
  let nodes = config.nodes;
  if (!nodes.some((n) => n.uname === uname)) {
    if (value === null) return config;
    nodes = [
      ...nodes,
      { id: freshId(taken, uname), uname, instanceAttributes: [], utilization: [] },
    ];
  }
  return {
    ...config,
    nodes: nodes.map((n) => {
      if (n.uname !== uname) return n;
      return which === 'instance'
        ? {
            ...n,
            instanceAttributes: setNv(n.instanceAttributes, name, value, `nodes-${uname}`, taken),
          }
        : {
            ...n,
            utilization: setNv(n.utilization, name, value, `nodes-${uname}-utilization`, taken),
          };
    }),
  };
}

/** A cluster property set or removed, in `cib-bootstrap-options`. */
export function setProperty(
  config: Configuration,
  name: string,
  value: string | null,
): Configuration {
  const taken = new Set(usedIds(config));
  // The bootstrap set is evaluated first: the value goes there.
  const i = config.crmConfig.findIndex((s) => s.id === BOOTSTRAP_SET_ID);
  const crmConfig = config.crmConfig.map((s) =>
    s.rules.length > 0 || s.idRef !== undefined
      ? s
      : { ...s, nvpairs: s.nvpairs.filter((p) => p.name !== name) },
  );
  if (value !== null) {
    if (i < 0) crmConfig.unshift({ id: BOOTSTRAP_SET_ID, rules: [], nvpairs: [] });
    const j = i < 0 ? 0 : i;
    const s = crmConfig[j]!;
    crmConfig[j] = {
      ...s,
      nvpairs: [...s.nvpairs, { id: freshId(taken, `${BOOTSTRAP_SET_ID}-${name}`), name, value }],
    };
  }
  return { ...config, crmConfig };
}

/** Replaces the resource `id` (any depth) with `f(it)`. */
export function mapResource(
  config: Configuration,
  id: string,
  f: (r: Resource) => Resource,
): Configuration {
  const walk = (r: Resource): Resource => {
    if (r.id === id) return f(r);
    switch (r.kind) {
      case 'primitive':
        return r;
      case 'group':
        return { ...r, children: r.children.map((c) => walk(c) as Primitive) };
      case 'clone':
        return { ...r, child: walk(r.child) as typeof r.child };
      case 'bundle':
        return r.primitive ? { ...r, primitive: walk(r.primitive) as Primitive } : r;
    }
  };
  return { ...config, resources: config.resources.map(walk) };
}

/**
 * Removes every reference to the resources `gone` from constraints and tags: a constraint that
 * names one directly goes, a resource set loses it (and goes when empty, with its constraint
 * when no set is left).
 */
export function dropReferences(config: Configuration, gone: ReadonlySet<string>): Configuration {
  const constraints = [];
  for (const k of config.constraints) {
    const direct =
      k.kind === 'location'
        ? [k.rsc]
        : k.kind === 'colocation'
          ? [k.rsc, k.withRsc]
          : k.kind === 'order'
            ? [k.first, k.then]
            : [k.rsc];
    if (direct.some((x) => x !== undefined && gone.has(x))) continue;
    if (k.sets.length === 0) {
      constraints.push(k);
      continue;
    }
    const sets = k.sets
      .map((s) => ({ ...s, resources: s.resources.filter((x) => !gone.has(x)) }))
      .filter((s) => s.resources.length > 0 || s.idRef !== undefined);
    if (sets.length > 0) constraints.push({ ...k, sets });
  }
  return {
    ...config,
    constraints,
    tags: config.tags.map((t) => ({ ...t, refs: t.refs.filter((x) => !gone.has(x)) })),
  };
}

/**
 * Removes the fence devices `gone` from the fencing topology: each level loses them from its
 * device list, and a level left without devices goes: deleting a device never leaves a level
 * naming a device that does not exist.
 */
export function dropFencingDevices(
  config: Configuration,
  gone: ReadonlySet<string>,
): Configuration {
  if (
    !config.fencingTopology.some((l) =>
      (l.devices ?? '').split(',').some((d) => gone.has(d.trim())),
    )
  )
    return config;
  const fencingTopology = [];
  for (const l of config.fencingTopology) {
    const devs = (l.devices ?? '').split(',').map((d) => d.trim());
    const kept = devs.filter((d) => !gone.has(d));
    if (kept.length === devs.length) fencingTopology.push(l);
    else if (kept.length > 0) fencingTopology.push({ ...l, devices: kept.join(',') });
  }
  return { ...config, fencingTopology };
}

const PRIMITIVE_ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * What vigild cannot run, named: bundles (containers), guest and remote nodes. Everything else
 * the scheduler understands is kept. Also checks what the node side needs of every primitive.
 */
export function unsupportedParts(config: Configuration): string[] {
  const problems: string[] = [];
  const ix = derive(config).index;
  for (const r of ix.resources.values()) {
    if (r.kind === 'bundle') problems.push(`bundle ${r.id} (vigild cannot run containers)`);
    if (r.kind !== 'primitive') continue;
    const e = ix.effectivePrimitive(r);
    if (e.class === 'ocf' && e.provider === 'pacemaker' && e.type === 'remote')
      problems.push(`primitive ${r.id}: Pacemaker Remote nodes are not supported`);
    if (metaOf(ix, e.metaAttributes)['remote-node'] !== undefined)
      problems.push(`primitive ${r.id}: guest nodes (meta remote-node) are not supported`);
    if (!PRIMITIVE_ID_RE.test(r.id))
      problems.push(`primitive ${r.id}: the id must be letters, digits, . _ - (at most 128)`);
    if (e.class === undefined || e.type === undefined)
      problems.push(`primitive ${r.id}: no agent (class and type, or a template giving them)`);
    const parent = ix.parents.get(r.id);
    if (e.class === 'stonith' && parent !== undefined)
      problems.push(
        `primitive ${r.id}: a fence device (class stonith) must be a top-level primitive, not in ${parent.kind} ${parent.id}`,
      );
  }
  for (const n of config.nodes)
    if (n.type !== undefined && n.type !== 'member' && n.type !== 'normal')
      problems.push(`node ${n.uname}: ${n.type} nodes are not supported`);
  return problems;
}

/** The top-level resources that are fence devices (class stonith). */
export function stonithResources(config: Configuration): Set<string> {
  const out = new Set<string>();
  const ix = derive(config).index;
  for (const r of config.resources)
    if (r.kind === 'primitive' && ix.effectivePrimitive(r).class === 'stonith') out.add(r.id);
  return out;
}

export function checkedConfiguration(config: Configuration): Configuration {
  const problems = unsupportedParts(config);
  if (problems.length > 0)
    throw new VigilError(
      'VGL_E_UNSUPPORTED',
      `the configuration uses what vigild cannot run; nothing was changed:\n  ${problems.join('\n  ')}`,
      { problems },
    );
  return config;
}

// ---------------------------------------------------------------------------------------------
// CLI definitions → the model

function nvSet(
  owner: string,
  kind: string,
  m: Readonly<Record<string, string>>,
  taken: Set<string>,
): NvSet[] {
  if (Object.keys(m).length === 0) return [];
  const id = freshId(taken, `${owner}-${kind}`);
  return [
    {
      id,
      rules: [],
      nvpairs: Object.entries(m).map(([name, value]) => ({
        id: freshId(taken, `${id}-${name}`),
        name,
        value,
      })),
    },
  ];
}

/** A duration in the shortest exact Pacemaker form: `10s`, `500ms`. */
export function msText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function primitiveModel(p: PrimitiveDef, taken: Set<string>): Primitive {
  taken.add(p.id);
  return {
    kind: 'primitive',
    id: p.id,
    class: p.class,
    ...(p.class === 'ocf' ? { provider: p.provider } : {}),
    type: p.type,
    instanceAttributes: nvSet(p.id, 'instance_attributes', p.params, taken),
    metaAttributes: nvSet(p.id, 'meta_attributes', p.meta, taken),
    utilization: [],
    operations: {
      ops: p.ops.map((o) => ({
        id: freshId(
          taken,
          `${p.id}-${o.name}-interval-${msText(o.intervalMs)}${o.role === undefined ? '' : `-${o.role}`}`,
        ),
        name: o.name,
        interval: msText(o.intervalMs),
        timeout: msText(o.timeoutMs),
        ...(o.role === undefined ? {} : { role: o.role }),
        instanceAttributes: [],
        metaAttributes: [],
      })),
    },
  };
}

export function resourceModel(r: ResourceDef, taken: Set<string>): Resource {
  switch (r.kind) {
    case 'primitive':
      return primitiveModel(r, taken);
    case 'group':
      taken.add(r.id);
      return {
        kind: 'group',
        id: r.id,
        children: r.members.map((m) => primitiveModel(m, taken)),
        metaAttributes: nvSet(r.id, 'meta_attributes', r.meta, taken),
        instanceAttributes: [],
      };
    case 'clone':
      taken.add(r.id);
      return {
        kind: 'clone',
        id: r.id,
        child: primitiveModel(r.child, taken),
        metaAttributes: nvSet(r.id, 'meta_attributes', r.meta, taken),
        instanceAttributes: [],
      };
  }
}

export function constraintModel(k: Constraint): PcmkConstraint {
  switch (k.kind) {
    case 'location':
      return {
        kind: 'location',
        id: k.id,
        rsc: k.rsc,
        node: k.node,
        score: fmtScore(k.score),
        rules: [],
        sets: [],
      };
    case 'colocation':
      return {
        kind: 'colocation',
        id: k.id,
        rsc: k.rsc,
        withRsc: k.withRsc,
        score: fmtScore(k.score),
        sets: [],
      };
    case 'order':
      return { kind: 'order', id: k.id, first: k.first, then: k.then, sets: [] };
  }
}

/** The configuration shape vigild replicated before it kept a whole CIB configuration. */
interface LegacyConfig {
  readonly resources?: readonly ResourceDef[];
  readonly constraints?: readonly Constraint[];
  readonly nodes?: Readonly<
    Record<
      string,
      {
        standby?: boolean;
        maintenance?: boolean;
        attributes?: Readonly<Record<string, string>>;
        utilization?: Readonly<Record<string, string>>;
      }
    >
  >;
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * A configuration as state written by an older vigild holds it, converted (a snapshot or a log
 * entry from before the configuration became a CIB configuration); a current one unchanged.
 */
export function upgradeConfiguration(c: unknown): Configuration {
  const x = c as Partial<Configuration> & Partial<LegacyConfig>;
  if (Array.isArray(x.crmConfig)) return c as Configuration;
  const old = x as LegacyConfig;
  const taken = new Set<string>();
  let config: Configuration = {
    ...emptyConfiguration(),
    resources: (old.resources ?? []).map((r) => resourceModel(r, taken)),
    constraints: (old.constraints ?? []).map(constraintModel),
  };
  for (const [name, value] of Object.entries(old.properties ?? {}))
    config = setProperty(config, name, value);
  for (const [uname, s] of Object.entries(old.nodes ?? {})) {
    const attrs: Record<string, string> = {
      ...(s.attributes ?? {}),
      ...(s.standby === true ? { standby: 'on' } : {}),
      ...(s.maintenance === true ? { maintenance: 'on' } : {}),
    };
    for (const [k, v] of Object.entries(attrs)) config = setNodeNv(config, uname, 'instance', k, v);
    for (const [k, v] of Object.entries(s.utilization ?? {}))
      config = setNodeNv(config, uname, 'utilization', k, v);
  }
  return config;
}

/** One line per constraint, as `vigil constraint list` prints it. */
export function describeCibConstraint(c: PcmkConstraint): string {
  const sets = (): string =>
    c.sets
      .map((s) => `(${s.resources.join(' ')}${s.role === undefined ? '' : ` role=${s.role}`})`)
      .join(' ');
  const roled = (rsc: string | undefined, role: string | undefined): string =>
    `${rsc ?? '?'}${role === undefined ? '' : `:${role}`}`;
  switch (c.kind) {
    case 'location': {
      const what =
        c.sets.length > 0 ? `set ${sets()}` : (c.rsc ?? `pattern ${c.rscPattern ?? '?'}`);
      const where =
        c.rules.length > 0
          ? `by ${c.rules.length} rule${c.rules.length > 1 ? 's' : ''} (${c.rules.map((r) => r.id ?? r.idRef ?? '?').join(', ')})`
          : `on ${c.node ?? '?'} score ${c.score ?? '?'}`;
      return `${c.id}: location ${roled(what, c.role)} ${where}`;
    }
    case 'colocation':
      return c.sets.length > 0
        ? `${c.id}: colocation sets ${sets()} score ${c.score ?? 'INFINITY'}`
        : `${c.id}: colocation ${roled(c.rsc, c.rscRole)} with ${roled(c.withRsc, c.withRscRole)} score ${c.score ?? 'INFINITY'}`;
    case 'order': {
      const kind = c.orderKind ?? (c.score === undefined ? '' : `score ${c.score}`);
      return c.sets.length > 0
        ? `${c.id}: order sets ${sets()}${kind === '' ? '' : ` ${kind}`}`
        : `${c.id}: order ${c.first ?? '?'}${c.firstAction === undefined ? '' : ` ${c.firstAction}`} then ${c.then ?? '?'}${c.thenAction === undefined ? '' : ` ${c.thenAction}`}${kind === '' ? '' : ` (${kind})`}`;
    }
    case 'ticket':
      return `${c.id}: ticket ${c.ticket ?? '?'} for ${c.sets.length > 0 ? sets() : (c.rsc ?? '?')}`;
  }
}

/** A primitive's utilization (template's included), evaluated. */
export function utilizationOf(config: Configuration, id: string): Record<string, string> {
  const ix = derive(config).index;
  const r = ix.resources.get(id);
  if (r?.kind !== 'primitive') return {};
  return mapOf(evaluateNvSets(ix.effectivePrimitive(r).utilization, {}, { index: ix }));
}
