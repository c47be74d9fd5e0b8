/**
 * Model → CIB XML. Pure. The inverse of the reader: `readCib(writeCib(cib)).cib` deep-equals
 * `cib` for every model the reader produces (the corpus round-trip test checks it).
 *
 * Attributes are written in the order of the tables in `specs.ts`, then unknown ones from
 * `extra`; known children in Pacemaker's usual order, then unknown ones from `extra`.
 */
import { serializeXml, type SerializeOptions } from '../xml/serialize.js';
import type { XmlElement } from '../xml/types.js';
import * as S from './specs.js';
import type { FieldSpec } from './specs.js';
import type {
  Alert,
  Bundle,
  Cib,
  CibNode,
  Clone,
  Configuration,
  Constraint,
  DateFields,
  Extra,
  FencingLevel,
  Group,
  Lrm,
  LrmResource,
  NodeState,
  NvPair,
  NvSet,
  Operation,
  Operations,
  Primitive,
  Resource,
  ResourceSet,
  Rule,
  RuleExpression,
  Status,
  Tag,
  Template,
} from './types.js';

type Bag = Record<string, unknown>;

function attrs(obj: object, specs: readonly FieldSpec[], extra?: Extra): Record<string, string> {
  const out: Record<string, string> = {};
  const bag = obj as Bag;
  for (const s of specs) {
    const v = bag[s.key];
    if (v === undefined) continue;
    out[s.xml] = typeof v === 'number' ? String(v) : (v as string);
  }
  if (extra?.attrs) for (const k in extra.attrs) if (!(k in out)) out[k] = extra.attrs[k]!;
  return out;
}

function el(
  name: string,
  a: Record<string, string>,
  children: XmlElement[],
  extra?: Extra,
): XmlElement {
  const all = extra?.children ? [...children, ...extra.children.map(clone)] : children;
  return { type: 'element', name, attrs: a, children: all };
}

function clone(e: XmlElement): XmlElement {
  return structuredClone(e);
}

function withSpecs(
  name: string,
  obj: { extra?: Extra },
  specs: readonly FieldSpec[],
  children: XmlElement[] = [],
): XmlElement {
  return el(name, attrs(obj, specs, obj.extra), children, obj.extra);
}

// ------------------------------------------------------------------ nvsets and rules

function nvpair(p: NvPair): XmlElement {
  return withSpecs('nvpair', p, S.NVPAIR_FIELDS);
}

export function nvsetToXml(tag: string, s: NvSet): XmlElement {
  return withSpecs(tag, s, S.NVSET_FIELDS, [...s.rules.map(ruleToXml), ...s.nvpairs.map(nvpair)]);
}

const sets = (tag: string, list: NvSet[]): XmlElement[] => list.map((s) => nvsetToXml(tag, s));

function dateFields(tag: string, d: DateFields): XmlElement {
  return withSpecs(tag, d, S.DATE_FIELDS);
}

function expression(x: RuleExpression): XmlElement {
  switch (x.kind) {
    case 'rule':
      return ruleToXml(x);
    case 'expression':
      return withSpecs('expression', x, S.EXPRESSION_FIELDS);
    case 'date_expression': {
      const kids: XmlElement[] = [];
      if (x.dateSpec) kids.push(dateFields('date_spec', x.dateSpec));
      if (x.duration) kids.push(dateFields('duration', x.duration));
      return withSpecs('date_expression', x, S.DATE_EXPRESSION_FIELDS, kids);
    }
    case 'rsc_expression':
      return withSpecs('rsc_expression', x, S.RSC_EXPRESSION_FIELDS);
    case 'op_expression':
      return withSpecs('op_expression', x, S.OP_EXPRESSION_FIELDS);
  }
}

export function ruleToXml(r: Rule): XmlElement {
  return withSpecs('rule', r, S.RULE_FIELDS, r.expressions.map(expression));
}

// ------------------------------------------------------------------ resources

function op(o: Operation): XmlElement {
  return withSpecs('op', o, S.OP_FIELDS, [
    ...sets('meta_attributes', o.metaAttributes),
    ...sets('instance_attributes', o.instanceAttributes),
  ]);
}

function operations(o: Operations): XmlElement {
  return withSpecs('operations', o, S.OPERATIONS_FIELDS, o.ops.map(op));
}

function primitive(p: Primitive): XmlElement {
  const kids = [
    ...sets('meta_attributes', p.metaAttributes),
    ...sets('instance_attributes', p.instanceAttributes),
    ...sets('utilization', p.utilization),
  ];
  if (p.operations) kids.push(operations(p.operations));
  return withSpecs('primitive', p, S.PRIMITIVE_FIELDS, kids);
}

function template(t: Template): XmlElement {
  const kids = [
    ...sets('meta_attributes', t.metaAttributes),
    ...sets('instance_attributes', t.instanceAttributes),
    ...sets('utilization', t.utilization),
  ];
  if (t.operations) kids.push(operations(t.operations));
  return withSpecs('template', t, S.TEMPLATE_FIELDS, kids);
}

function containerSets(r: { metaAttributes: NvSet[]; instanceAttributes: NvSet[] }): XmlElement[] {
  return [
    ...sets('meta_attributes', r.metaAttributes),
    ...sets('instance_attributes', r.instanceAttributes),
  ];
}

function group(g: Group): XmlElement {
  return withSpecs('group', g, S.CONTAINER_FIELDS, [
    ...g.children.map(primitive),
    ...containerSets(g),
  ]);
}

function cloneRes(c: Clone): XmlElement {
  const child = c.child.kind === 'primitive' ? primitive(c.child) : group(c.child);
  return withSpecs(c.legacyMaster ? 'master' : 'clone', c, S.CONTAINER_FIELDS, [
    child,
    ...containerSets(c),
  ]);
}

function bundle(b: Bundle): XmlElement {
  const kids: XmlElement[] = [];
  if (b.runtime) kids.push(withSpecs(b.runtime.kind, b.runtime, S.RUNTIME_FIELDS));
  if (b.network) {
    kids.push(
      withSpecs(
        'network',
        b.network,
        S.NETWORK_FIELDS,
        b.network.portMappings.map((m) => withSpecs('port-mapping', m, S.PORT_MAPPING_FIELDS)),
      ),
    );
  }
  if (b.storage) {
    kids.push(
      el(
        'storage',
        {},
        b.storage.map((m) => withSpecs('storage-mapping', m, S.STORAGE_MAPPING_FIELDS)),
      ),
    );
  }
  if (b.primitive) kids.push(primitive(b.primitive));
  kids.push(...containerSets(b));
  return withSpecs('bundle', b, S.CONTAINER_FIELDS, kids);
}

export function resourceToXml(r: Resource): XmlElement {
  switch (r.kind) {
    case 'primitive':
      return primitive(r);
    case 'group':
      return group(r);
    case 'clone':
      return cloneRes(r);
    case 'bundle':
      return bundle(r);
  }
}

// ------------------------------------------------------------------ constraints

function resourceSet(s: ResourceSet): XmlElement {
  const refs = s.resources.map((id) => el('resource_ref', { id }, []));
  return withSpecs('resource_set', s, S.RESOURCE_SET_FIELDS, refs);
}

export function constraintToXml(c: Constraint): XmlElement {
  const setEls = c.sets.map(resourceSet);
  switch (c.kind) {
    case 'location':
      return withSpecs('rsc_location', c, S.LOCATION_FIELDS, [
        ...setEls,
        ...c.rules.map(ruleToXml),
      ]);
    case 'colocation':
      return withSpecs('rsc_colocation', c, S.COLOCATION_FIELDS, setEls);
    case 'order':
      return withSpecs('rsc_order', c, S.ORDER_FIELDS, setEls);
    case 'ticket':
      return withSpecs('rsc_ticket', c, S.TICKET_FIELDS, setEls);
  }
}

// ------------------------------------------------------------------ configuration

function node(n: CibNode): XmlElement {
  return withSpecs('node', n, S.NODE_FIELDS, [
    ...sets('instance_attributes', n.instanceAttributes),
    ...sets('utilization', n.utilization),
  ]);
}

function tag(t: Tag): XmlElement {
  return withSpecs(
    'tag',
    t,
    S.TAG_FIELDS,
    t.refs.map((id) => el('obj_ref', { id }, [])),
  );
}

function alert(a: Alert): XmlElement {
  return withSpecs('alert', a, S.ALERT_FIELDS, [
    ...containerSets(a),
    ...a.recipients.map((r) => withSpecs('recipient', r, S.RECIPIENT_FIELDS, containerSets(r))),
  ]);
}

function fencingLevel(l: FencingLevel): XmlElement {
  return withSpecs('fencing-level', l, S.FENCING_LEVEL_FIELDS);
}

function configuration(c: Configuration): XmlElement {
  const kids: XmlElement[] = [];
  const section = (name: string, children: XmlElement[], always: boolean): void => {
    const ex = c.sectionExtras?.[name];
    if (!always && children.length === 0 && ex === undefined) return;
    kids.push(el(name, { ...ex?.attrs }, children, ex));
  };
  section('crm_config', sets('cluster_property_set', c.crmConfig), true);
  section('nodes', c.nodes.map(node), true);
  section('resources', [...c.templates.map(template), ...c.resources.map(resourceToXml)], true);
  section('constraints', c.constraints.map(constraintToXml), true);
  section('rsc_defaults', sets('meta_attributes', c.rscDefaults), false);
  section('op_defaults', sets('meta_attributes', c.opDefaults), false);
  section('alerts', c.alerts.map(alert), false);
  section('fencing-topology', c.fencingTopology.map(fencingLevel), false);
  section('tags', c.tags.map(tag), false);
  if (c.acls) kids.push(clone(c.acls));
  return el('configuration', { ...c.extra?.attrs }, kids, c.extra);
}

// ------------------------------------------------------------------ status

function lrmResource(r: LrmResource): XmlElement {
  return withSpecs(
    'lrm_resource',
    r,
    S.LRM_RESOURCE_FIELDS,
    r.ops.map((o) => withSpecs('lrm_rsc_op', o, S.LRM_RSC_OP_FIELDS)),
  );
}

function lrm(l: Lrm): XmlElement {
  const ra: Record<string, string> = {};
  if (l.resourcesId !== undefined) ra['id'] = l.resourcesId;
  if (l.resourcesExtra?.attrs) Object.assign(ra, l.resourcesExtra.attrs);
  return withSpecs('lrm', l, S.LRM_FIELDS, [
    el('lrm_resources', ra, l.resources.map(lrmResource), l.resourcesExtra),
  ]);
}

function nodeState(n: NodeState): XmlElement {
  const kids: XmlElement[] = [];
  if (n.transientAttributes) {
    const t = n.transientAttributes;
    kids.push(
      withSpecs('transient_attributes', t, S.TRANSIENT_FIELDS, sets('instance_attributes', t.sets)),
    );
  }
  if (n.lrm) kids.push(lrm(n.lrm));
  return withSpecs('node_state', n, S.NODE_STATE_FIELDS, kids);
}

function status(s: Status): XmlElement {
  const kids = s.nodeStates.map(nodeState);
  if (s.tickets) {
    kids.push(
      el(
        'tickets',
        { ...s.ticketsExtra?.attrs },
        s.tickets.map((t) => withSpecs('ticket_state', t, S.TICKET_STATE_FIELDS)),
        s.ticketsExtra,
      ),
    );
  }
  return el('status', { ...s.extra?.attrs }, kids, s.extra);
}

/** The model as a `<cib>` element tree. */
export function cibToXml(cib: Cib): XmlElement {
  const kids = [configuration(cib.configuration)];
  if (!cib.statusAbsent) kids.push(status(cib.status));
  return el('cib', attrs(cib.attributes, S.CIB_FIELDS, cib.extra), kids, cib.extra);
}

/** The model as Pacemaker CIB XML text. */
export function writeCib(cib: Cib, options: SerializeOptions = {}): string {
  return serializeXml(
    { prolog: [], root: cibToXml(cib), epilog: [] },
    { declaration: false, ...options },
  );
}
