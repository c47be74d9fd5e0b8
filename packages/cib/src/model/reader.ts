/**
 * CIB XML → model. Pure: takes text (or a parsed element), returns the model and warnings.
 *
 * All problems are collected; if any is an error, `readCib` throws one VGL_E_CIB_INVALID that
 * lists them all (each naming the element by tag, id and line). Schema-level problems (an
 * unknown element kind, a value outside an enumeration, a duplicate id) are errors unless the
 * CIB says `validate-with="none"`, as Pacemaker then skips schema validation and goes on: they
 * are warnings there.
 */
import { parseXml } from '../xml/parse.js';
import { emptyConfiguration } from './types.js';
import { scanStatus } from './status-scan.js';
import { cibToXml } from './writer.js';
import { DEFAULT_XML_LIMITS, type XmlElement, type XmlLimits } from '../xml/types.js';
import { isScore, parseBoolean } from '../scores.js';
import { normalizeRole } from '../roles.js';
import { parseIntervalMs } from '../time.js';
import { cibInvalidError, type CibIssue } from './issues.js';
import * as S from './specs.js';
import type { FieldSpec } from './specs.js';
import type {
  Alert,
  AlertRecipient,
  Bundle,
  BundleNetwork,
  BundleRuntime,
  Cib,
  CibAttributes,
  CibNode,
  Clone,
  ColocationConstraint,
  Configuration,
  Constraint,
  DateExpression,
  DateFields,
  Extra,
  FencingLevel,
  Group,
  LocationConstraint,
  Lrm,
  LrmResource,
  LrmRscOp,
  NodeState,
  NvPair,
  NvSet,
  Operation,
  Operations,
  OrderConstraint,
  PortMapping,
  Primitive,
  Resource,
  ResourceSet,
  Rule,
  RuleExpression,
  Status,
  StorageMapping,
  Tag,
  Template,
  TicketConstraint,
  TicketState,
  TransientAttributes,
} from './types.js';

export interface ReadCibOptions {
  limits?: XmlLimits;
  /**
   * Read the status section's operation history straight from the text when it has the common
   * shape (default true). The model is the same either way; false forces the general path.
   */
  fastStatus?: boolean;
}

export interface ReadCibResult {
  cib: Cib;
  warnings: CibIssue[];
}

/** Set-like tags an nvset `id-ref` may point at. */
const NVSET_TAGS = [
  'instance_attributes',
  'meta_attributes',
  'utilization',
  'cluster_property_set',
];

const ROLES = ['Started', 'Stopped', 'Slave', 'Master', 'Promoted', 'Unpromoted'];
const ORDER_KINDS = ['Mandatory', 'Optional', 'Serialize'];
const ACTIONS = [
  'start',
  'stop',
  'promote',
  'demote',
  'promoted',
  'demoted',
  'started',
  'stopped',
  'running',
];
const DISCOVERY = ['always', 'never', 'exclusive'];
const LOSS_POLICIES = ['stop', 'demote', 'fence', 'freeze'];
const BOOLEAN_OPS = ['and', 'or'];
const RESOURCE_TAGS = ['primitive', 'group', 'clone', 'master', 'bundle'];
const META_BOOLEANS = new Set([
  'is-managed',
  'promotable',
  'globally-unique',
  'notify',
  'interleave',
  'ordered',
  'allow-migrate',
  'maintenance',
  'critical',
]);
const META_SCORES = new Set(['resource-stickiness', 'migration-threshold']);
const META_DURATIONS = new Set(['failure-timeout']);

interface PendingRef {
  el: XmlElement;
  ref: string;
  tags: readonly string[];
}

/** Deep copy of an element without source positions (positions are not part of the model). */
export function stripPositions(el: XmlElement): XmlElement {
  return {
    type: 'element',
    name: el.name,
    attrs: { ...el.attrs },
    children: el.children.map((c) => (c.type === 'element' ? stripPositions(c) : { ...c })),
  };
}

type Bag = Record<string, unknown>;

const INT_RE = /^\s*-?[0-9]+\s*$/;

interface SpecTable {
  byName: Map<string, FieldSpec>;
  required: FieldSpec[];
}
const specTables = new WeakMap<readonly FieldSpec[], SpecTable>();

/** Name → spec (aliases included) for one attribute table, built once. */
function specTable(specs: readonly FieldSpec[]): SpecTable {
  let t = specTables.get(specs);
  if (t === undefined) {
    const byName = new Map<string, FieldSpec>();
    for (const spec of specs) {
      byName.set(spec.xml, spec);
      for (const a of spec.aliases ?? []) byName.set(a, spec);
    }
    t = { byName, required: specs.filter((x) => x.required === true) };
    specTables.set(specs, t);
  }
  return t;
}

class Reader {
  readonly errors: CibIssue[] = [];
  readonly warnings: CibIssue[] = [];
  /** Schema problems are warnings when validate-with="none". */
  lenient = false;
  /** Ids in the status section are not checked for uniqueness (they repeat resource ids). */
  inStatus = false;
  private readonly ids = new Map<string, XmlElement>();
  private readonly refs: PendingRef[] = [];
  /** Resource ids (any depth), template ids and tag ids: what constraints may name. */
  readonly resourceIds = new Set<string>();
  readonly templateIds = new Set<string>();
  readonly tagIds = new Set<string>();
  private readonly constraintRefs: { el: XmlElement; attr: string; ref: string }[] = [];
  private readonly templateRefs: { el: XmlElement; ref: string }[] = [];

  issue(el: XmlElement, message: string, severity: 'error' | 'warning' = 'error'): void {
    const i: CibIssue = { severity, tag: el.name, message };
    const id = el.attrs['id'] ?? el.attrs['id-ref'];
    if (id !== undefined) i.id = id;
    if (el.line !== undefined) i.line = el.line;
    if (el.col !== undefined) i.col = el.col;
    (severity === 'error' ? this.errors : this.warnings).push(i);
  }

  schema(el: XmlElement, message: string): void {
    this.issue(el, message, this.lenient ? 'warning' : 'error');
  }

  /**
   * Reads `specs` into `target` in one pass over the element's attributes; returns the
   * attributes the table does not name (undefined when there are none).
   */
  fields(
    el: XmlElement,
    specs: readonly FieldSpec[],
    obj: object,
  ): Record<string, string> | undefined {
    const target = obj as Bag;
    const table = specTable(specs);
    let rest: Record<string, string> | undefined;
    for (const name in el.attrs) {
      const v = el.attrs[name]!;
      const spec = table.byName.get(name);
      // A legacy alias counts only when the current spelling is absent.
      if (spec === undefined || (spec.xml !== name && el.attrs[spec.xml] !== undefined)) {
        (rest ??= {})[name] = v;
        continue;
      }
      if (spec.int) {
        if (!INT_RE.test(v)) {
          this.issue(el, `attribute '${name}' must be an integer, not ${JSON.stringify(v)}`);
          target[spec.key] = 0;
        } else target[spec.key] = Number(v);
      } else target[spec.key] = v;
    }
    for (const spec of table.required) {
      if (target[spec.key] === undefined)
        this.issue(el, `missing required attribute '${spec.xml}'`);
    }
    return rest;
  }

  /** Registers a configuration id; a second element with the same id is a schema error. */
  registerId(el: XmlElement): void {
    const id = el.attrs['id'];
    if (id === undefined || this.inStatus) return;
    const prev = this.ids.get(id);
    if (prev !== undefined) {
      this.schema(
        el,
        `duplicate id ${JSON.stringify(id)}: already used by <${prev.name}>${prev.line === undefined ? '' : ` at line ${prev.line}`}`,
      );
    } else this.ids.set(id, el);
  }

  ref(el: XmlElement, tags: readonly string[]): void {
    const ref = el.attrs['id-ref'];
    if (ref !== undefined) this.refs.push({ el, ref, tags });
  }

  checkScore(el: XmlElement, attr: string): void {
    const v = el.attrs[attr];
    if (v !== undefined && !isScore(v)) {
      this.issue(
        el,
        `attribute '${attr}' is not a valid score: ${JSON.stringify(v)} (expected an integer, INFINITY, -INFINITY, red, yellow or green)`,
      );
    }
  }

  checkEnum(el: XmlElement, attr: string, allowed: readonly string[], caseless = false): void {
    const v = el.attrs[attr];
    if (v === undefined) return;
    const ok = caseless
      ? allowed.some((a) => a.toLowerCase() === v.toLowerCase())
      : allowed.includes(v);
    if (!ok) {
      this.schema(
        el,
        `attribute '${attr}' is ${JSON.stringify(v)}, expected one of ${allowed.join(', ')}`,
      );
    }
  }

  noteConstraintRef(el: XmlElement, attr: string): void {
    const v = el.attrs[attr];
    if (v !== undefined) this.constraintRefs.push({ el, attr, ref: v });
  }

  /** Builds `extra` from leftover attributes and unknown children; undefined when empty. */
  extra(rest: Record<string, string> | undefined, unknown: XmlElement[]): Extra | undefined {
    const e: Extra = {};
    if (rest !== undefined && Object.keys(rest).length > 0) e.attrs = rest;
    if (unknown.length > 0) e.children = unknown.map(stripPositions);
    return e.attrs === undefined && e.children === undefined ? undefined : e;
  }

  setExtra(
    target: { extra?: Extra },
    rest: Record<string, string> | undefined,
    unknown: XmlElement[],
  ): void {
    const e = this.extra(rest, unknown);
    if (e !== undefined) target.extra = e;
  }

  // ------------------------------------------------------------------ nvsets and rules

  nvpair(el: XmlElement): NvPair {
    const p: NvPair = {};
    const rest = this.fields(el, S.NVPAIR_FIELDS, p);
    if (p.idRef !== undefined) this.ref(el, ['nvpair']);
    else {
      this.registerId(el);
      if (p.name === undefined) this.issue(el, `missing required attribute 'name'`);
    }
    this.setExtra(p, rest, childElementsOf(el));
    return p;
  }

  nvset(el: XmlElement): NvSet {
    const s: NvSet = { rules: [], nvpairs: [] };
    const rest = this.fields(el, S.NVSET_FIELDS, s);
    if (s.idRef !== undefined) this.ref(el, NVSET_TAGS);
    else this.registerId(el);
    if (s.id === undefined && s.idRef === undefined)
      this.schema(el, `needs an 'id' or an 'id-ref'`);
    this.checkScore(el, 'score');
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'nvpair') {
        const p = this.nvpair(c);
        if (el.name === 'meta_attributes') this.checkMeta(c, p);
        s.nvpairs.push(p);
      } else if (c.name === 'rule') s.rules.push(this.rule(c));
      else unknown.push(c);
    }
    this.setExtra(s, rest, unknown);
    return s;
  }

  nvsets(el: XmlElement, tag: string): NvSet[] {
    return childElementsOf(el)
      .filter((c) => c.name === tag)
      .map((c) => this.nvset(c));
  }

  rule(el: XmlElement): Rule {
    const r: Rule = { kind: 'rule', expressions: [] };
    const rest = this.fields(el, S.RULE_FIELDS, r);
    if (r.idRef !== undefined) this.ref(el, ['rule']);
    else this.registerId(el);
    this.checkScore(el, 'score');
    this.checkEnum(el, 'boolean-op', BOOLEAN_OPS);
    this.checkEnum(el, 'role', ROLES);
    if (r.score !== undefined && r.scoreAttribute !== undefined) {
      this.schema(el, `has both 'score' and 'score-attribute'; use one`);
    }
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      const x = this.ruleExpression(c);
      if (x === undefined) unknown.push(c);
      else r.expressions.push(x);
    }
    if (r.idRef === undefined && r.expressions.length === 0) {
      this.schema(el, `a rule needs at least one expression`);
    }
    this.setExtra(r, rest, unknown);
    return r;
  }

  ruleExpression(c: XmlElement): RuleExpression | undefined {
    switch (c.name) {
      case 'rule':
        return this.rule(c);
      case 'expression': {
        const x: RuleExpression = { kind: 'expression' };
        const rest = this.fields(c, S.EXPRESSION_FIELDS, x);
        this.exprCommon(c);
        if (x.idRef === undefined) {
          if (x.attribute === undefined) this.issue(c, `missing required attribute 'attribute'`);
          if (x.operation === undefined) this.issue(c, `missing required attribute 'operation'`);
          this.checkEnum(c, 'operation', [
            'lt',
            'gt',
            'lte',
            'gte',
            'eq',
            'ne',
            'defined',
            'not_defined',
          ]);
          this.checkEnum(c, 'type', ['string', 'integer', 'number', 'version']);
          this.checkEnum(c, 'value-source', ['literal', 'param', 'meta']);
        }
        this.setExtra(x, rest, childElementsOf(c));
        return x;
      }
      case 'date_expression': {
        const x: DateExpression = { kind: 'date_expression' };
        const rest = this.fields(c, S.DATE_EXPRESSION_FIELDS, x);
        this.exprCommon(c);
        this.checkEnum(c, 'operation', ['gt', 'lt', 'in_range', 'date_spec']);
        const unknown: XmlElement[] = [];
        for (const d of childElementsOf(c)) {
          if (d.name === 'date_spec') x.dateSpec = this.dateFields(d);
          else if (d.name === 'duration') x.duration = this.dateFields(d);
          else unknown.push(d);
        }
        this.setExtra(x, rest, unknown);
        return x;
      }
      case 'rsc_expression': {
        const x: RuleExpression = { kind: 'rsc_expression' };
        const rest = this.fields(c, S.RSC_EXPRESSION_FIELDS, x);
        this.exprCommon(c);
        this.setExtra(x, rest, childElementsOf(c));
        return x;
      }
      case 'op_expression': {
        const x: RuleExpression = { kind: 'op_expression' };
        const rest = this.fields(c, S.OP_EXPRESSION_FIELDS, x);
        this.exprCommon(c);
        if (x.idRef === undefined && x.name === undefined) {
          this.issue(c, `missing required attribute 'name'`);
        }
        this.setExtra(x, rest, childElementsOf(c));
        return x;
      }
      default:
        this.schema(
          c,
          `<${c.name}> is not a rule expression (expected expression, date_expression, rsc_expression, op_expression or rule)`,
        );
        return undefined;
    }
  }

  private exprCommon(c: XmlElement): void {
    if (c.attrs['id-ref'] !== undefined) this.ref(c, [c.name]);
    else this.registerId(c);
  }

  dateFields(el: XmlElement): DateFields {
    const d: DateFields = {};
    const rest = this.fields(el, S.DATE_FIELDS, d);
    this.registerId(el);
    this.setExtra(d, rest, childElementsOf(el));
    return d;
  }

  /** Warns about well-known meta-attributes whose value Pacemaker would not understand. */
  checkMeta(el: XmlElement, p: NvPair): void {
    const { name, value } = p;
    if (name === undefined || value === undefined) return;
    let expected: string | undefined;
    if (name === 'target-role') {
      if (value !== '#default' && normalizeRole(value) === undefined) {
        expected = 'a role (Started, Stopped, Promoted, Unpromoted)';
      }
    } else if (META_BOOLEANS.has(name)) {
      if (parseBoolean(value) === undefined) expected = 'a boolean (true or false)';
    } else if (META_SCORES.has(name)) {
      if (!isScore(value)) expected = 'a score (an integer or INFINITY)';
    } else if (META_DURATIONS.has(name)) {
      if (parseIntervalMs(value) === undefined) expected = 'a duration (such as 60s or 10min)';
    }
    if (expected !== undefined) {
      this.issue(
        el,
        `meta-attribute ${name}=${JSON.stringify(value)} is not ${expected}; Pacemaker ignores it`,
        'warning',
      );
    }
  }

  // ------------------------------------------------------------------ nodes

  node(el: XmlElement): CibNode {
    const n = { instanceAttributes: [], utilization: [] } as unknown as CibNode;
    // Node ids are not in the id namespace: a remote node's id is its resource's id.
    const rest = this.fields(el, S.NODE_FIELDS, n);
    this.checkScore(el, 'score');
    this.checkEnum(el, 'type', ['member', 'normal', 'remote', 'ping']);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'instance_attributes') n.instanceAttributes.push(this.nvset(c));
      else if (c.name === 'utilization') n.utilization.push(this.nvset(c));
      else unknown.push(c);
    }
    this.setExtra(n, rest, unknown);
    return n;
  }

  // ------------------------------------------------------------------ resources

  op(el: XmlElement): Operation {
    const o: Operation = { instanceAttributes: [], metaAttributes: [] };
    const rest = this.fields(el, S.OP_FIELDS, o);
    if (o.idRef !== undefined) this.ref(el, ['op']);
    else {
      this.registerId(el);
      if (o.id === undefined) this.schema(el, `missing required attribute 'id'`);
      if (o.name === undefined) this.issue(el, `missing required attribute 'name'`);
      if (o.interval === undefined) this.schema(el, `missing required attribute 'interval'`);
    }
    this.checkEnum(el, 'role', ROLES);
    for (const attr of ['interval', 'timeout', 'start-delay'] as const) {
      const v = el.attrs[attr];
      if (v !== undefined && parseIntervalMs(v) === undefined) {
        this.issue(
          el,
          `attribute '${attr}' is not a duration: ${JSON.stringify(v)}; Pacemaker ignores it`,
          'warning',
        );
      }
    }
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'instance_attributes') o.instanceAttributes.push(this.nvset(c));
      else if (c.name === 'meta_attributes') o.metaAttributes.push(this.nvset(c));
      else unknown.push(c);
    }
    this.setExtra(o, rest, unknown);
    return o;
  }

  operations(el: XmlElement): Operations {
    const o: Operations = { ops: [] };
    const rest = this.fields(el, S.OPERATIONS_FIELDS, o);
    if (o.idRef !== undefined) this.ref(el, ['operations']);
    else this.registerId(el);
    const unknown: XmlElement[] = [];
    const seen = new Map<string, string>();
    for (const c of childElementsOf(el)) {
      if (c.name === 'op') {
        const op = this.op(c);
        o.ops.push(op);
        const ms = op.interval === undefined ? undefined : parseIntervalMs(op.interval);
        if (op.name !== undefined && ms !== undefined) {
          const key = `${op.name}/${ms}/${normalizeRole(op.role) ?? ''}`;
          const prev = seen.get(key);
          if (prev !== undefined) {
            this.issue(
              c,
              `duplicates operation "${prev}" (same name, interval and role); Pacemaker uses only one`,
              'warning',
            );
          } else seen.set(key, op.id ?? op.name);
        }
      } else unknown.push(c);
    }
    this.setExtra(o, rest, unknown);
    return o;
  }

  primitive(el: XmlElement): Primitive {
    const p = {
      kind: 'primitive',
      metaAttributes: [],
      instanceAttributes: [],
      utilization: [],
    } as unknown as Primitive;
    const rest = this.fields(el, S.PRIMITIVE_FIELDS, p);
    this.registerId(el);
    this.resourceIds.add(p.id);
    if (p.template !== undefined) this.templateRefs.push({ el, ref: p.template });
    else {
      if (p.class === undefined) this.issue(el, `missing required attribute 'class'`);
      if (p.type === undefined) this.issue(el, `missing required attribute 'type'`);
      if (p.class === 'ocf' && p.provider === undefined) {
        this.issue(el, `class 'ocf' needs a 'provider' attribute`);
      }
    }
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      switch (c.name) {
        case 'meta_attributes':
          p.metaAttributes.push(this.nvset(c));
          break;
        case 'instance_attributes':
          p.instanceAttributes.push(this.nvset(c));
          break;
        case 'utilization':
          p.utilization.push(this.nvset(c));
          break;
        case 'operations':
          if (p.operations !== undefined) {
            this.schema(c, `a primitive has at most one <operations>`);
            unknown.push(c);
          } else p.operations = this.operations(c);
          break;
        default:
          unknown.push(c);
      }
    }
    this.setExtra(p, rest, unknown);
    return p;
  }

  template(el: XmlElement): Template {
    const t = {
      metaAttributes: [],
      instanceAttributes: [],
      utilization: [],
    } as unknown as Template;
    const rest = this.fields(el, S.TEMPLATE_FIELDS, t);
    this.registerId(el);
    this.templateIds.add(t.id);
    if (t.class === undefined) this.issue(el, `missing required attribute 'class'`);
    if (t.type === undefined) this.issue(el, `missing required attribute 'type'`);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'meta_attributes') t.metaAttributes.push(this.nvset(c));
      else if (c.name === 'instance_attributes') t.instanceAttributes.push(this.nvset(c));
      else if (c.name === 'utilization') t.utilization.push(this.nvset(c));
      else if (c.name === 'operations' && t.operations === undefined)
        t.operations = this.operations(c);
      else unknown.push(c);
    }
    this.setExtra(t, rest, unknown);
    return t;
  }

  /** Common part of group/clone/bundle: id, description, meta and instance attributes. */
  private container(
    el: XmlElement,
    target: Group | Clone | Bundle,
  ): Record<string, string> | undefined {
    const rest = this.fields(el, S.CONTAINER_FIELDS, target);
    this.registerId(el);
    const id = el.attrs['id'];
    if (id !== undefined) this.resourceIds.add(id);
    return rest;
  }

  group(el: XmlElement): Group {
    const g = {
      kind: 'group',
      children: [],
      metaAttributes: [],
      instanceAttributes: [],
    } as unknown as Group;
    const rest = this.container(el, g);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'primitive') g.children.push(this.primitive(c));
      else if (c.name === 'meta_attributes') g.metaAttributes.push(this.nvset(c));
      else if (c.name === 'instance_attributes') g.instanceAttributes.push(this.nvset(c));
      else {
        if (RESOURCE_TAGS.includes(c.name)) {
          this.issue(
            c,
            `a group can contain only primitives, not a ${c.name} (in group "${g.id}")`,
          );
        }
        unknown.push(c);
      }
    }
    if (g.children.length === 0 && !unknown.some((c) => RESOURCE_TAGS.includes(c.name))) {
      this.schema(el, `a group needs at least one primitive`);
    }
    this.setExtra(g, rest, unknown);
    return g;
  }

  clone(el: XmlElement): Clone {
    const cl = { kind: 'clone', metaAttributes: [], instanceAttributes: [] } as unknown as Clone;
    if (el.name === 'master') cl.legacyMaster = true;
    const rest = this.container(el, cl);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'primitive' || c.name === 'group') {
        if ((cl as Partial<Clone>).child !== undefined) {
          this.issue(
            c,
            `a ${el.name} contains exactly one primitive or group; "${cl.id}" has more`,
          );
          unknown.push(c);
        } else cl.child = c.name === 'primitive' ? this.primitive(c) : this.group(c);
      } else if (c.name === 'meta_attributes') cl.metaAttributes.push(this.nvset(c));
      else if (c.name === 'instance_attributes') cl.instanceAttributes.push(this.nvset(c));
      else {
        if (RESOURCE_TAGS.includes(c.name)) {
          this.issue(
            c,
            `a ${el.name} can contain only a primitive or a group, not a ${c.name} (in ${el.name} "${cl.id}")`,
          );
        }
        unknown.push(c);
      }
    }
    if ((cl as Partial<Clone>).child === undefined) {
      this.issue(el, `a ${el.name} needs one primitive or group inside`);
      cl.child = {
        kind: 'primitive',
        id: '',
        metaAttributes: [],
        instanceAttributes: [],
        utilization: [],
      };
    }
    this.setExtra(cl, rest, unknown);
    return cl;
  }

  bundle(el: XmlElement): Bundle {
    const b = { kind: 'bundle', metaAttributes: [], instanceAttributes: [] } as unknown as Bundle;
    const rest = this.container(el, b);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      switch (c.name) {
        case 'docker':
        case 'podman':
        case 'rkt': {
          if (b.runtime !== undefined) {
            this.issue(
              c,
              `a bundle has one container runtime; "${b.id}" already has <${b.runtime.kind}>`,
            );
            unknown.push(c);
            break;
          }
          const r: BundleRuntime = { kind: c.name };
          this.setExtra(r, this.fields(c, S.RUNTIME_FIELDS, r), childElementsOf(c));
          b.runtime = r;
          break;
        }
        case 'network': {
          const n: BundleNetwork = { portMappings: [] };
          const nrest = this.fields(c, S.NETWORK_FIELDS, n);
          const nunk: XmlElement[] = [];
          for (const m of childElementsOf(c)) {
            if (m.name === 'port-mapping') {
              const pm = {} as PortMapping;
              this.setExtra(pm, this.fields(m, S.PORT_MAPPING_FIELDS, pm), childElementsOf(m));
              this.registerId(m);
              n.portMappings.push(pm);
            } else nunk.push(m);
          }
          this.setExtra(n, nrest, nunk);
          b.network = n;
          break;
        }
        case 'storage': {
          const list: StorageMapping[] = [];
          for (const m of childElementsOf(c)) {
            if (m.name === 'storage-mapping') {
              const sm = {} as StorageMapping;
              this.setExtra(sm, this.fields(m, S.STORAGE_MAPPING_FIELDS, sm), childElementsOf(m));
              this.registerId(m);
              list.push(sm);
            } else unknown.push(m);
          }
          b.storage = list;
          break;
        }
        case 'primitive':
          if (b.primitive !== undefined) {
            this.issue(c, `a bundle contains at most one primitive; "${b.id}" has more`);
            unknown.push(c);
          } else b.primitive = this.primitive(c);
          break;
        case 'meta_attributes':
          b.metaAttributes.push(this.nvset(c));
          break;
        case 'instance_attributes':
          b.instanceAttributes.push(this.nvset(c));
          break;
        default:
          if (RESOURCE_TAGS.includes(c.name)) {
            this.issue(
              c,
              `a bundle can contain only one primitive, not a ${c.name} (in bundle "${b.id}")`,
            );
          }
          unknown.push(c);
      }
    }
    if (b.runtime === undefined)
      this.schema(el, `a bundle needs a <docker>, <podman> or <rkt> element`);
    this.setExtra(b, rest, unknown);
    return b;
  }

  resource(el: XmlElement): Resource | undefined {
    switch (el.name) {
      case 'primitive':
        return this.primitive(el);
      case 'group':
        return this.group(el);
      case 'clone':
      case 'master':
        return this.clone(el);
      case 'bundle':
        return this.bundle(el);
      default:
        return undefined;
    }
  }

  // ------------------------------------------------------------------ constraints

  resourceSet(el: XmlElement): ResourceSet {
    const s: ResourceSet = { resources: [] };
    const rest = this.fields(el, S.RESOURCE_SET_FIELDS, s);
    if (s.idRef !== undefined) this.ref(el, ['resource_set']);
    else {
      this.registerId(el);
      if (s.id === undefined) this.schema(el, `needs an 'id' or an 'id-ref'`);
    }
    this.checkScore(el, 'score');
    this.checkEnum(el, 'role', ROLES);
    this.checkEnum(el, 'action', ACTIONS);
    this.checkEnum(el, 'kind', ORDER_KINDS);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'resource_ref') {
        const id = c.attrs['id'];
        if (id === undefined) this.issue(c, `missing required attribute 'id'`);
        else {
          s.resources.push(id);
          this.constraintRefs.push({ el: c, attr: 'id', ref: id });
        }
        if (Object.keys(c.attrs).length > 1 || c.children.length > 0) {
          this.issue(c, `a resource_ref has only an 'id'; the rest is ignored`, 'warning');
        }
      } else unknown.push(c);
    }
    this.setExtra(s, rest, unknown);
    return s;
  }

  /** Rules and sets of a constraint; returns the unknown children. */
  private constraintChildren(
    el: XmlElement,
    sets: ResourceSet[],
    rules: Rule[] | undefined,
  ): XmlElement[] {
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'resource_set') sets.push(this.resourceSet(c));
      else if (c.name === 'rule' && rules !== undefined) rules.push(this.rule(c));
      else {
        this.schema(c, `<${c.name}> is not allowed in <${el.name}>`);
        unknown.push(c);
      }
    }
    return unknown;
  }

  constraint(el: XmlElement): Constraint | undefined {
    switch (el.name) {
      case 'rsc_location': {
        const c = { kind: 'location', rules: [], sets: [] } as unknown as LocationConstraint;
        const rest = this.fields(el, S.LOCATION_FIELDS, c);
        this.registerId(el);
        const unknown = this.constraintChildren(el, c.sets, c.rules);
        this.checkScore(el, 'score');
        this.checkEnum(el, 'role', ROLES);
        this.checkEnum(el, 'resource-discovery', DISCOVERY);
        this.noteConstraintRef(el, 'rsc');
        const targets = [c.rsc, c.rscPattern].filter((x) => x !== undefined).length;
        if (targets + (c.sets.length > 0 ? 1 : 0) !== 1) {
          this.issue(el, `needs exactly one of 'rsc', 'rsc-pattern' or resource sets`);
        }
        if (c.rules.length === 0) {
          if (c.node === undefined) this.issue(el, `needs 'node' and 'score', or a rule`);
          else if (c.score === undefined)
            this.issue(el, `missing required attribute 'score' (with 'node')`);
        } else if (c.node !== undefined) this.schema(el, `has both 'node' and rules; use one`);
        if (c.rscPattern !== undefined) {
          try {
            new RegExp(c.rscPattern.replace(/^!/, ''));
          } catch {
            this.issue(
              el,
              `'rsc-pattern' is not a valid regular expression: ${JSON.stringify(c.rscPattern)}`,
            );
          }
        }
        this.setExtra(c, rest, unknown);
        return c;
      }
      case 'rsc_colocation': {
        const c = { kind: 'colocation', sets: [] } as unknown as ColocationConstraint;
        const rest = this.fields(el, S.COLOCATION_FIELDS, c);
        this.registerId(el);
        const unknown = this.constraintChildren(el, c.sets, undefined);
        this.checkScore(el, 'score');
        this.checkEnum(el, 'rsc-role', ROLES);
        this.checkEnum(el, 'with-rsc-role', ROLES);
        this.noteConstraintRef(el, 'rsc');
        this.noteConstraintRef(el, 'with-rsc');
        if (c.sets.length === 0 && (c.rsc === undefined || c.withRsc === undefined)) {
          this.issue(el, `needs 'rsc' and 'with-rsc', or resource sets`);
        } else if (c.rsc !== undefined && c.rsc === c.withRsc) {
          this.issue(
            el,
            `colocates "${c.rsc}" with itself; Pacemaker ignores this constraint`,
            'warning',
          );
        }
        this.setExtra(c, rest, unknown);
        return c;
      }
      case 'rsc_order': {
        const c = { kind: 'order', sets: [] } as unknown as OrderConstraint;
        const rest = this.fields(el, S.ORDER_FIELDS, c);
        this.registerId(el);
        const unknown = this.constraintChildren(el, c.sets, undefined);
        this.checkScore(el, 'score');
        this.checkEnum(el, 'kind', ORDER_KINDS);
        this.checkEnum(el, 'first-action', ACTIONS);
        this.checkEnum(el, 'then-action', ACTIONS);
        this.noteConstraintRef(el, 'first');
        this.noteConstraintRef(el, 'then');
        if (c.sets.length === 0 && (c.first === undefined || c.then === undefined)) {
          this.issue(el, `needs 'first' and 'then', or resource sets`);
        }
        this.setExtra(c, rest, unknown);
        return c;
      }
      case 'rsc_ticket': {
        const c = { kind: 'ticket', sets: [] } as unknown as TicketConstraint;
        const rest = this.fields(el, S.TICKET_FIELDS, c);
        this.registerId(el);
        const unknown = this.constraintChildren(el, c.sets, undefined);
        this.checkEnum(el, 'rsc-role', ROLES);
        this.checkEnum(el, 'loss-policy', LOSS_POLICIES);
        this.noteConstraintRef(el, 'rsc');
        if (c.ticket === undefined) this.issue(el, `missing required attribute 'ticket'`);
        if (c.sets.length === 0 && c.rsc === undefined)
          this.issue(el, `needs 'rsc' or resource sets`);
        this.setExtra(c, rest, unknown);
        return c;
      }
      default:
        return undefined;
    }
  }

  // ------------------------------------------------------------------ other configuration

  tag(el: XmlElement): Tag {
    const t = { refs: [] } as unknown as Tag;
    const rest = this.fields(el, S.TAG_FIELDS, t);
    this.registerId(el);
    this.tagIds.add(t.id);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      const id = c.attrs['id'];
      if (
        c.name === 'obj_ref' &&
        id !== undefined &&
        Object.keys(c.attrs).length === 1 &&
        c.children.length === 0
      ) {
        t.refs.push(id);
      } else unknown.push(c);
    }
    this.setExtra(t, rest, unknown);
    return t;
  }

  alert(el: XmlElement): Alert {
    const a = { metaAttributes: [], instanceAttributes: [], recipients: [] } as unknown as Alert;
    const rest = this.fields(el, S.ALERT_FIELDS, a);
    this.registerId(el);
    if (a.path === undefined) this.issue(el, `missing required attribute 'path'`);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'meta_attributes') a.metaAttributes.push(this.nvset(c));
      else if (c.name === 'instance_attributes') a.instanceAttributes.push(this.nvset(c));
      else if (c.name === 'recipient') {
        const r = { metaAttributes: [], instanceAttributes: [] } as unknown as AlertRecipient;
        const rrest = this.fields(c, S.RECIPIENT_FIELDS, r);
        this.registerId(c);
        const runk: XmlElement[] = [];
        for (const d of childElementsOf(c)) {
          if (d.name === 'meta_attributes') r.metaAttributes.push(this.nvset(d));
          else if (d.name === 'instance_attributes') r.instanceAttributes.push(this.nvset(d));
          else runk.push(d);
        }
        this.setExtra(r, rrest, runk);
        a.recipients.push(r);
      } else unknown.push(c);
    }
    this.setExtra(a, rest, unknown);
    return a;
  }

  fencingLevel(el: XmlElement): FencingLevel {
    const l = {} as FencingLevel;
    const rest = this.fields(el, S.FENCING_LEVEL_FIELDS, l);
    this.registerId(el);
    if (l.devices === undefined) this.issue(el, `missing required attribute 'devices'`);
    if (l.index === undefined) this.issue(el, `missing required attribute 'index'`);
    else if (!/^[0-9]+$/.test(l.index) || Number(l.index) < 1 || Number(l.index) > 9) {
      this.issue(
        el,
        `attribute 'index' must be an integer from 1 to 9, not ${JSON.stringify(l.index)}`,
      );
    }
    const targets = [l.target, l.targetPattern, l.targetAttribute].filter(
      (x) => x !== undefined,
    ).length;
    if (targets !== 1) {
      this.issue(el, `needs exactly one of 'target', 'target-pattern' or 'target-attribute'`);
    }
    this.setExtra(l, rest, childElementsOf(el));
    return l;
  }

  configuration(el: XmlElement): Configuration {
    const cfg = emptyConfiguration();
    const sectionExtras: Record<string, Extra> = {};
    const unknown: XmlElement[] = [];
    /** Reads the children of a section; unknown children go to sectionExtras[tag]. */
    const section = (s: XmlElement, read: (c: XmlElement) => boolean): void => {
      const unk: XmlElement[] = [];
      for (const c of childElementsOf(s)) if (!read(c)) unk.push(c);
      const e = this.extra({ ...s.attrs }, unk);
      if (e !== undefined) sectionExtras[s.name] = e;
    };
    const seen = new Set<string>();
    for (const s of childElementsOf(el)) {
      if (seen.has(s.name) && s.name !== 'acls') {
        this.schema(s, `<configuration> has more than one <${s.name}>`);
      }
      seen.add(s.name);
      switch (s.name) {
        case 'crm_config':
          section(
            s,
            (c) => c.name === 'cluster_property_set' && (cfg.crmConfig.push(this.nvset(c)), true),
          );
          break;
        case 'nodes': {
          const ids = new Map<string, XmlElement>();
          const unames = new Map<string, XmlElement>();
          section(s, (c) => {
            if (c.name !== 'node') return false;
            const n = this.node(c);
            for (const [map, what, v] of [
              [ids, 'id', n.id],
              [unames, 'uname', n.uname],
            ] as const) {
              const prev = map.get(v);
              if (prev === undefined) map.set(v, c);
              else
                this.schema(
                  c,
                  `duplicate node ${what} ${JSON.stringify(v)}: already used by the node at line ${prev.line ?? '?'}`,
                );
            }
            cfg.nodes.push(n);
            return true;
          });
          break;
        }
        case 'resources':
          section(s, (c) => {
            if (c.name === 'template') {
              cfg.templates.push(this.template(c));
              return true;
            }
            const r = this.resource(c);
            if (r === undefined) {
              this.schema(
                c,
                `unknown resource kind <${c.name}> (expected primitive, group, clone, master, bundle or template)`,
              );
              return false;
            }
            cfg.resources.push(r);
            return true;
          });
          break;
        case 'constraints':
          section(s, (c) => {
            const k = this.constraint(c);
            if (k === undefined) {
              this.schema(
                c,
                `unknown constraint kind <${c.name}> (expected rsc_location, rsc_colocation, rsc_order or rsc_ticket)`,
              );
              return false;
            }
            cfg.constraints.push(k);
            return true;
          });
          break;
        case 'rsc_defaults':
          section(
            s,
            (c) => c.name === 'meta_attributes' && (cfg.rscDefaults.push(this.nvset(c)), true),
          );
          break;
        case 'op_defaults':
          section(
            s,
            (c) => c.name === 'meta_attributes' && (cfg.opDefaults.push(this.nvset(c)), true),
          );
          break;
        case 'tags':
          section(s, (c) => c.name === 'tag' && (cfg.tags.push(this.tag(c)), true));
          break;
        case 'alerts':
          section(s, (c) => c.name === 'alert' && (cfg.alerts.push(this.alert(c)), true));
          break;
        case 'fencing-topology':
          section(
            s,
            (c) =>
              c.name === 'fencing-level' && (cfg.fencingTopology.push(this.fencingLevel(c)), true),
          );
          break;
        case 'acls':
          if (cfg.acls === undefined) cfg.acls = stripPositions(s);
          else unknown.push(s);
          break;
        default:
          unknown.push(s);
      }
    }
    if (Object.keys(sectionExtras).length > 0) cfg.sectionExtras = sectionExtras;
    this.setExtra(cfg, { ...el.attrs }, unknown);
    return cfg;
  }

  // ------------------------------------------------------------------ status

  lrmRscOp(el: XmlElement): LrmRscOp {
    const o = {} as LrmRscOp;
    const rest = this.fields(el, S.LRM_RSC_OP_FIELDS, o);
    this.setExtra(o, rest, childElementsOf(el));
    return o;
  }

  lrmResource(el: XmlElement): LrmResource {
    const r = { ops: [] } as unknown as LrmResource;
    const rest = this.fields(el, S.LRM_RESOURCE_FIELDS, r);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'lrm_rsc_op') r.ops.push(this.lrmRscOp(c));
      else unknown.push(c);
    }
    this.setExtra(r, rest, unknown);
    return r;
  }

  lrm(el: XmlElement): Lrm {
    const l: Lrm = { resources: [] };
    const rest = this.fields(el, S.LRM_FIELDS, l);
    const unknown: XmlElement[] = [];
    let seenResources = false;
    for (const c of childElementsOf(el)) {
      if (c.name === 'lrm_resources' && !seenResources) {
        seenResources = true;
        const rid = c.attrs['id'];
        if (rid !== undefined) l.resourcesId = rid;
        const runk: XmlElement[] = [];
        for (const d of childElementsOf(c)) {
          if (d.name === 'lrm_resource') l.resources.push(this.lrmResource(d));
          else runk.push(d);
        }
        const rattrs = { ...c.attrs };
        delete rattrs['id'];
        const e = this.extra(rattrs, runk);
        if (e !== undefined) l.resourcesExtra = e;
      } else unknown.push(c);
    }
    this.setExtra(l, rest, unknown);
    return l;
  }

  nodeState(el: XmlElement): NodeState {
    const n: NodeState = {};
    const rest = this.fields(el, S.NODE_STATE_FIELDS, n);
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'transient_attributes' && n.transientAttributes === undefined) {
        const t: TransientAttributes = { sets: [] };
        const trest = this.fields(c, S.TRANSIENT_FIELDS, t);
        const tunk: XmlElement[] = [];
        for (const d of childElementsOf(c)) {
          if (d.name === 'instance_attributes') t.sets.push(this.nvset(d));
          else tunk.push(d);
        }
        this.setExtra(t, trest, tunk);
        n.transientAttributes = t;
      } else if (c.name === 'lrm' && n.lrm === undefined) n.lrm = this.lrm(c);
      else unknown.push(c);
    }
    this.setExtra(n, rest, unknown);
    return n;
  }

  /** Node states the fast path already read, by their (childless) `<status>` element. */
  readonly scanned = new Map<XmlElement, NodeState[]>();

  status(el: XmlElement): Status {
    const pre = this.scanned.get(el);
    if (pre !== undefined) {
      const fast: Status = { nodeStates: pre };
      this.setExtra(fast, { ...el.attrs }, []);
      return fast;
    }
    const st: Status = { nodeStates: [] };
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(el)) {
      if (c.name === 'node_state') st.nodeStates.push(this.nodeState(c));
      else if (c.name === 'tickets' && st.tickets === undefined) {
        const list: TicketState[] = [];
        const tunk: XmlElement[] = [];
        for (const d of childElementsOf(c)) {
          if (d.name === 'ticket_state') {
            const t = {} as TicketState;
            this.setExtra(t, this.fields(d, S.TICKET_STATE_FIELDS, t), childElementsOf(d));
            list.push(t);
          } else tunk.push(d);
        }
        st.tickets = list;
        const e = this.extra({ ...c.attrs }, tunk);
        if (e !== undefined) st.ticketsExtra = e;
      } else unknown.push(c);
    }
    this.setExtra(st, { ...el.attrs }, unknown);
    return st;
  }

  // ------------------------------------------------------------------ whole document

  cib(root: XmlElement): Cib {
    if (root.name !== 'cib') {
      this.issue(root, `the root element must be <cib>, not <${root.name}>`);
    }
    this.lenient = root.attrs['validate-with'] === 'none';
    const attributes = {} as CibAttributes;
    const rest = this.fields(root, S.CIB_FIELDS, attributes);
    let configuration: Configuration | undefined;
    let status: Status | undefined;
    const unknown: XmlElement[] = [];
    for (const c of childElementsOf(root)) {
      if (c.name === 'configuration' && configuration === undefined)
        configuration = this.configuration(c);
      else if (c.name === 'status' && status === undefined) {
        this.inStatus = true;
        status = this.status(c);
        this.inStatus = false;
      } else unknown.push(c);
    }
    if (configuration === undefined) {
      this.issue(root, `missing the <configuration> element`);
      configuration = this.configuration({
        type: 'element',
        name: 'configuration',
        attrs: {},
        children: [],
      });
    }
    const cib: Cib = { attributes, configuration, status: status ?? { nodeStates: [] } };
    if (status === undefined) cib.statusAbsent = true;
    this.setExtra(cib, rest, unknown);
    this.resolveReferences();
    return cib;
  }

  /** Checks id-refs, template references and what constraints name, after everything is read. */
  private resolveReferences(): void {
    for (const r of this.refs) {
      const target = this.ids.get(r.ref);
      if (target === undefined) {
        this.issue(r.el, `id-ref ${JSON.stringify(r.ref)} refers to no element`);
      } else if (!r.tags.includes(target.name)) {
        this.issue(
          r.el,
          `id-ref ${JSON.stringify(r.ref)} refers to a <${target.name}>, expected ${r.tags.map((t) => `<${t}>`).join(' or ')}`,
        );
      }
    }
    for (const t of this.templateRefs) {
      if (!this.templateIds.has(t.ref)) {
        this.issue(t.el, `template ${JSON.stringify(t.ref)} does not exist`);
      }
    }
    for (const c of this.constraintRefs) {
      if (!this.resourceIds.has(c.ref) && !this.tagIds.has(c.ref) && !this.templateIds.has(c.ref)) {
        this.issue(
          c.el,
          `'${c.attr}' names ${JSON.stringify(c.ref)}, which is not a resource, template or tag; Pacemaker ignores this constraint`,
          'warning',
        );
      }
    }
  }
}

function childElementsOf(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.type === 'element') out.push(c);
  return out;
}

/**
 * Reads a CIB from a parsed `<cib>` element. Throws VGL_E_CIB_INVALID listing every error.
 * Warnings (problems Pacemaker tolerates) are returned.
 */
export function cibFromXml(
  root: XmlElement,
  scanned?: Map<XmlElement, NodeState[]>,
): ReadCibResult {
  const r = new Reader();
  if (scanned) for (const [k, v] of scanned) r.scanned.set(k, v);
  const cib = r.cib(root);
  if (r.errors.length > 0) throw cibInvalidError(r.errors, r.warnings);
  return { cib, warnings: r.warnings };
}

/**
 * Reads a CIB from XML text. Malformed XML throws VGL_E_PARSE (with line:col); an invalid CIB
 * throws VGL_E_CIB_INVALID listing every error found.
 */
export function readCib(text: string, options: ReadCibOptions = {}): ReadCibResult {
  const limits = options.limits ?? DEFAULT_XML_LIMITS;
  const scanned = new Map<XmlElement, NodeState[]>();
  // The fast path reads elements up to 6 levels deep; with a tighter depth limit the general
  // parser decides, with its error.
  const fast = options.fastStatus !== false && limits.maxDepth >= 8;
  const doc = parseXml(
    text,
    limits,
    fast
      ? {
          subtree: {
            name: 'status',
            read: (s, from, el) => {
              const r = scanStatus(s, from, limits.maxAttributesPerElement);
              if (r === undefined) return -1;
              scanned.set(el, r.nodeStates);
              return r.end;
            },
          },
        }
      : {},
  );
  return cibFromXml(doc.root, scanned);
}

/**
 * Validates a model built in code (not read from XML) with the same rules as the reader.
 * Issues carry no line numbers. Returns every error and warning; throws nothing.
 */
export function validateCib(cib: Cib): { errors: CibIssue[]; warnings: CibIssue[] } {
  const r = new Reader();
  r.cib(cibToXml(cib));
  return { errors: r.errors, warnings: r.warnings };
}
