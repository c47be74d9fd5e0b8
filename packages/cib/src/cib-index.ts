/**
 * Look-ups over a CIB: elements by id (to resolve `id-ref`s), resources at any depth with their
 * parents, and templates applied to primitives. Build once per CIB with `CibIndex.of(cib)`.
 */
import type {
  Cib,
  NvPair,
  NvSet,
  Operation,
  Operations,
  Primitive,
  Resource,
  ResourceSet,
  Rule,
  RuleExpression,
  Tag,
  Template,
} from './model/types.js';
import { parseIntervalMs } from './time.js';

/** A primitive with its template applied and every id-ref resolved. */
export interface EffectivePrimitive {
  id: string;
  class?: string;
  provider?: string;
  type?: string;
  /** The primitive's own sets first, then the template's (so the primitive's win ties). */
  metaAttributes: NvSet[];
  instanceAttributes: NvSet[];
  utilization: NvSet[];
  /** The primitive's ops, then the template's ops it does not override (same name, interval, role). */
  ops: Operation[];
}

export class CibIndex {
  readonly nvsets = new Map<string, NvSet>();
  readonly nvpairs = new Map<string, NvPair>();
  readonly rules = new Map<string, Rule>();
  readonly expressions = new Map<string, RuleExpression>();
  readonly operations = new Map<string, Operations>();
  readonly ops = new Map<string, Operation>();
  readonly resourceSets = new Map<string, ResourceSet>();
  /** Every resource by id, at any depth (clone children, group members, bundle primitives). */
  readonly resources = new Map<string, Resource>();
  /** The resource that contains a resource, for nested ones. */
  readonly parents = new Map<string, Resource>();
  readonly templates = new Map<string, Template>();
  readonly tags = new Map<string, Tag>();

  static of(cib: Cib): CibIndex {
    const ix = new CibIndex();
    ix.add(cib);
    return ix;
  }

  private addSets(sets: readonly NvSet[]): void {
    for (const s of sets) {
      if (s.idRef === undefined && s.id !== undefined) this.nvsets.set(s.id, s);
      for (const r of s.rules) this.addRule(r);
      for (const p of s.nvpairs)
        if (p.idRef === undefined && p.id !== undefined) this.nvpairs.set(p.id, p);
    }
  }

  private addRule(r: Rule): void {
    if (r.idRef === undefined && r.id !== undefined) this.rules.set(r.id, r);
    for (const x of r.expressions) {
      if (x.kind === 'rule') this.addRule(x);
      else if (x.idRef === undefined && x.id !== undefined) this.expressions.set(x.id, x);
    }
  }

  private addOperations(o: Operations | undefined): void {
    if (o === undefined) return;
    if (o.idRef === undefined && o.id !== undefined) this.operations.set(o.id, o);
    for (const op of o.ops) {
      if (op.idRef === undefined && op.id !== undefined) this.ops.set(op.id, op);
      this.addSets(op.metaAttributes);
      this.addSets(op.instanceAttributes);
    }
  }

  private addResource(r: Resource, parent: Resource | undefined): void {
    this.resources.set(r.id, r);
    if (parent) this.parents.set(r.id, parent);
    this.addSets(r.metaAttributes);
    this.addSets(r.instanceAttributes);
    switch (r.kind) {
      case 'primitive':
        this.addSets(r.utilization);
        this.addOperations(r.operations);
        break;
      case 'group':
        for (const c of r.children) this.addResource(c, r);
        break;
      case 'clone':
        this.addResource(r.child, r);
        break;
      case 'bundle':
        if (r.primitive) this.addResource(r.primitive, r);
        break;
    }
  }

  private add(cib: Cib): void {
    const c = cib.configuration;
    this.addSets(c.crmConfig);
    this.addSets(c.rscDefaults);
    this.addSets(c.opDefaults);
    for (const n of c.nodes) {
      this.addSets(n.instanceAttributes);
      this.addSets(n.utilization);
    }
    for (const t of c.templates) {
      this.templates.set(t.id, t);
      this.addSets(t.metaAttributes);
      this.addSets(t.instanceAttributes);
      this.addSets(t.utilization);
      this.addOperations(t.operations);
    }
    for (const r of c.resources) this.addResource(r, undefined);
    for (const k of c.constraints) {
      for (const s of k.sets)
        if (s.idRef === undefined && s.id !== undefined) this.resourceSets.set(s.id, s);
      if (k.kind === 'location') for (const r of k.rules) this.addRule(r);
    }
    for (const t of c.tags) this.tags.set(t.id, t);
    for (const a of c.alerts) {
      this.addSets(a.metaAttributes);
      this.addSets(a.instanceAttributes);
    }
  }

  /** For `RuleContext.resolve`: a rule or expression by id. */
  readonly resolveRule = (id: string): Rule | RuleExpression | undefined =>
    this.rules.get(id) ?? this.expressions.get(id);

  /** The set an id-ref stands for (the set itself when it is not a reference). */
  resolveNvSet(s: NvSet): NvSet | undefined {
    if (s.idRef === undefined) return s;
    const target = this.nvsets.get(s.idRef);
    if (target === undefined) return undefined;
    return s.score === undefined ? target : { ...target, score: s.score };
  }

  resolveNvPair(p: NvPair): NvPair | undefined {
    return p.idRef === undefined ? p : this.nvpairs.get(p.idRef);
  }

  resolveOperations(o: Operations | undefined): Operation[] {
    if (o === undefined) return [];
    const block = o.idRef === undefined ? o : this.operations.get(o.idRef);
    const out: Operation[] = [];
    for (const op of block?.ops ?? []) {
      const r = op.idRef === undefined ? op : this.ops.get(op.idRef);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Resource ids a constraint reference names: itself, or every member of a tag. */
  expandReference(id: string): string[] {
    const t = this.tags.get(id);
    return t === undefined ? [id] : t.refs;
  }

  /** The primitive with its template merged in and id-refs resolved. */
  effectivePrimitive(p: Primitive): EffectivePrimitive {
    const t = p.template === undefined ? undefined : this.templates.get(p.template);
    const own = this.resolveOperations(p.operations);
    const key = (o: Operation): string =>
      `${o.name ?? ''}|${o.interval === undefined ? '' : String(parseIntervalMs(o.interval) ?? o.interval)}|${o.role ?? ''}`;
    const ownKeys = new Set(own.map(key));
    const inherited =
      t === undefined
        ? []
        : this.resolveOperations(t.operations).filter((o) => !ownKeys.has(key(o)));
    const e: EffectivePrimitive = {
      id: p.id,
      metaAttributes: [...p.metaAttributes, ...(t?.metaAttributes ?? [])],
      instanceAttributes: [...p.instanceAttributes, ...(t?.instanceAttributes ?? [])],
      utilization: [...p.utilization, ...(t?.utilization ?? [])],
      ops: [...own, ...inherited],
    };
    const cls = p.class ?? t?.class;
    const provider = p.provider ?? t?.provider;
    const type = p.type ?? t?.type;
    if (cls !== undefined) e.class = cls;
    if (provider !== undefined) e.provider = provider;
    if (type !== undefined) e.type = type;
    return e;
  }
}
