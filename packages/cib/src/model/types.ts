/**
 * The typed CIB model: Pacemaker's cluster information base as plain data.
 *
 * Conventions (stable; the scheduler and the daemon build on them):
 * - Field names are the XML attribute names in camelCase (`first-action` → `firstAction`,
 *   `operation_key` → `operationKey`). An absent attribute is an absent field, never `undefined`.
 * - Values Pacemaker interprets lazily stay as the raw strings of the XML: scores, booleans,
 *   durations, roles, nvpair values. Helpers in this package parse them (`parseScore`,
 *   `isTrue`, `parseDurationMs`, `normalizeRole`…). Counters and history fields that are always
 *   integers are numbers (`epoch`, `callId`, `rcCode`, `interval` of an `lrm_rsc_op`…).
 * - Document order is kept in every list: resources, constraints, sets, nvpairs, history.
 *   Transition summaries follow configuration order, so order is part of the model.
 * - What the model does not name is kept in `extra` (unknown attributes and child elements),
 *   so reading then writing loses nothing but comments and formatting.
 * - Objects are plain data: `structuredClone` and deep equality work on them.
 */
import type { XmlElement } from '../xml/types.js';

/** Unknown attributes and child elements of a modelled element, kept verbatim for writing. */
export interface Extra {
  attrs?: Record<string, string>;
  children?: XmlElement[];
}

// ---------------------------------------------------------------------------------------------
// Name/value sets and rules

/** `<nvpair>`: one name/value option. `idRef` points at another nvpair with its name and value. */
export interface NvPair {
  id?: string;
  idRef?: string;
  name?: string;
  value?: string;
  extra?: Extra;
}

/**
 * An nvpair set: `instance_attributes`, `meta_attributes`, `utilization`,
 * `cluster_property_set`. With `idRef` it stands for the set of that id (nvpairs then empty).
 * `score` orders sets (highest first); `rules` must all pass for the set to apply.
 */
export interface NvSet {
  id?: string;
  idRef?: string;
  score?: string;
  rules: Rule[];
  nvpairs: NvPair[];
  extra?: Extra;
}

/** `<rule>`: `booleanOp` is `and` (default) or `or` over its expressions. */
export interface Rule {
  kind: 'rule';
  id?: string;
  idRef?: string;
  score?: string;
  scoreAttribute?: string;
  booleanOp?: string;
  role?: string;
  expressions: RuleExpression[];
  extra?: Extra;
}

/** `<expression>`: compares a node attribute (or parameter/meta value, by `valueSource`). */
export interface AttributeExpression {
  kind: 'expression';
  id?: string;
  idRef?: string;
  attribute?: string;
  /** lt, gt, lte, gte, eq, ne, defined, not_defined. */
  operation?: string;
  value?: string;
  /** string, integer, number, version. */
  type?: string;
  /** literal (default), param, meta. */
  valueSource?: string;
  extra?: Extra;
}

/** `<date_spec>` and `<duration>`: each field is the raw text (a number or a range `9-16`). */
export interface DateFields {
  id?: string;
  years?: string;
  months?: string;
  weeks?: string;
  days?: string;
  hours?: string;
  minutes?: string;
  seconds?: string;
  monthdays?: string;
  weekdays?: string;
  yeardays?: string;
  weekyears?: string;
  moon?: string;
  extra?: Extra;
}

/** `<date_expression>`: operation is gt, lt, in_range or date_spec. */
export interface DateExpression {
  kind: 'date_expression';
  id?: string;
  idRef?: string;
  operation?: string;
  start?: string;
  end?: string;
  dateSpec?: DateFields;
  duration?: DateFields;
  extra?: Extra;
}

/** `<rsc_expression>`: matches the resource's agent (used in rsc_defaults). */
export interface RscExpression {
  kind: 'rsc_expression';
  id?: string;
  idRef?: string;
  class?: string;
  provider?: string;
  type?: string;
  extra?: Extra;
}

/** `<op_expression>`: matches the operation's name and interval (used in op_defaults). */
export interface OpExpression {
  kind: 'op_expression';
  id?: string;
  idRef?: string;
  name?: string;
  interval?: string;
  extra?: Extra;
}

export type RuleExpression =
  AttributeExpression | DateExpression | RscExpression | OpExpression | Rule;

// ---------------------------------------------------------------------------------------------
// Nodes

/** `<node>` in `configuration/nodes`. `type`: member (default), remote, ping (or legacy normal). */
export interface CibNode {
  id: string;
  uname: string;
  type?: string;
  description?: string;
  score?: string;
  instanceAttributes: NvSet[];
  utilization: NvSet[];
  extra?: Extra;
}

// ---------------------------------------------------------------------------------------------
// Resources

/** `<op>` inside `<operations>`. Durations (`interval`, `timeout`, `startDelay`) are raw. */
export interface Operation {
  id?: string;
  idRef?: string;
  name?: string;
  interval?: string;
  timeout?: string;
  description?: string;
  startDelay?: string;
  intervalOrigin?: string;
  role?: string;
  onFail?: string;
  enabled?: string;
  recordPending?: string;
  requires?: string;
  instanceAttributes: NvSet[];
  metaAttributes: NvSet[];
  extra?: Extra;
}

/** `<operations>`; with `idRef` it reuses the operations block of that id. */
export interface Operations {
  id?: string;
  idRef?: string;
  ops: Operation[];
  extra?: Extra;
}

interface ResourceCommon {
  id: string;
  description?: string;
  metaAttributes: NvSet[];
  instanceAttributes: NvSet[];
  extra?: Extra;
}

/** `<primitive>`. With `template`, class/provider/type may come from that template. */
export interface Primitive extends ResourceCommon {
  kind: 'primitive';
  class?: string;
  provider?: string;
  type?: string;
  template?: string;
  utilization: NvSet[];
  operations?: Operations;
}

/** `<group>`: an ordered, colocated list of primitives. */
export interface Group extends ResourceCommon {
  kind: 'group';
  children: Primitive[];
}

/**
 * `<clone>`, or the legacy `<master>` (`legacyMaster: true`, written back as `<master>`).
 * Promotable when its meta says `promotable=true` or it is a legacy master.
 */
export interface Clone extends ResourceCommon {
  kind: 'clone';
  legacyMaster?: boolean;
  child: Primitive | Group;
}

/** `<port-mapping>` inside a bundle's `<network>`. */
export interface PortMapping {
  id: string;
  port?: string;
  internalPort?: string;
  range?: string;
  extra?: Extra;
}

/** A bundle's `<network>`. */
export interface BundleNetwork {
  ipRangeStart?: string;
  controlPort?: string;
  hostInterface?: string;
  hostNetmask?: string;
  addHost?: string;
  portMappings: PortMapping[];
  extra?: Extra;
}

/** `<storage-mapping>` inside a bundle's `<storage>`. */
export interface StorageMapping {
  id: string;
  sourceDir?: string;
  sourceDirRoot?: string;
  targetDir?: string;
  options?: string;
  extra?: Extra;
}

/** The container runtime element of a bundle: `<docker>`, `<podman>` or `<rkt>`. */
export interface BundleRuntime {
  kind: 'docker' | 'podman' | 'rkt';
  image?: string;
  replicas?: string;
  replicasPerHost?: string;
  /** `promoted-max`, or the legacy `masters`. */
  promotedMax?: string;
  masters?: string;
  runCommand?: string;
  network?: string;
  options?: string;
  extra?: Extra;
}

/** `<bundle>`: containers, each optionally running the inner primitive. */
export interface Bundle extends ResourceCommon {
  kind: 'bundle';
  runtime?: BundleRuntime;
  network?: BundleNetwork;
  /** `<storage>` children; `storage` is undefined when the element is absent. */
  storage?: StorageMapping[];
  primitive?: Primitive;
}

export type Resource = Primitive | Group | Clone | Bundle;

/** `<template>`: a primitive definition other primitives refer to with `template=`. */
export interface Template {
  id: string;
  class?: string;
  provider?: string;
  type?: string;
  description?: string;
  metaAttributes: NvSet[];
  instanceAttributes: NvSet[];
  utilization: NvSet[];
  operations?: Operations;
  extra?: Extra;
}

/** `<tag>` with its `<obj_ref id=…>` references. */
export interface Tag {
  id: string;
  refs: string[];
  extra?: Extra;
}

// ---------------------------------------------------------------------------------------------
// Constraints

/** `<resource_set>` inside a constraint; `resources` are the `resource_ref` ids in order. */
export interface ResourceSet {
  id?: string;
  idRef?: string;
  sequential?: string;
  requireAll?: string;
  ordering?: string;
  action?: string;
  role?: string;
  score?: string;
  kind?: string;
  resources: string[];
  extra?: Extra;
}

/** `<rsc_location>`: by `node`+`score`, or by `rules`; `rsc`, `rscPattern` or `sets`. */
export interface LocationConstraint {
  kind: 'location';
  id: string;
  rsc?: string;
  rscPattern?: string;
  node?: string;
  score?: string;
  role?: string;
  resourceDiscovery?: string;
  rules: Rule[];
  sets: ResourceSet[];
  extra?: Extra;
}

/** `<rsc_colocation>`: place `rsc` relative to `withRsc` (or sets). */
export interface ColocationConstraint {
  kind: 'colocation';
  id: string;
  rsc?: string;
  withRsc?: string;
  score?: string;
  rscRole?: string;
  withRscRole?: string;
  nodeAttribute?: string;
  influence?: string;
  sets: ResourceSet[];
  extra?: Extra;
}

/** `<rsc_order>`: `first` before `then`. `orderKind` is the XML `kind` (Mandatory, Optional, Serialize). */
export interface OrderConstraint {
  kind: 'order';
  id: string;
  first?: string;
  then?: string;
  firstAction?: string;
  thenAction?: string;
  orderKind?: string;
  score?: string;
  symmetrical?: string;
  requireAll?: string;
  sets: ResourceSet[];
  extra?: Extra;
}

/** `<rsc_ticket>`: `rsc` depends on `ticket`. */
export interface TicketConstraint {
  kind: 'ticket';
  id: string;
  ticket?: string;
  rsc?: string;
  rscRole?: string;
  lossPolicy?: string;
  sets: ResourceSet[];
  extra?: Extra;
}

export type Constraint =
  LocationConstraint | ColocationConstraint | OrderConstraint | TicketConstraint;

// ---------------------------------------------------------------------------------------------
// Alerts, fencing topology, ACLs

export interface AlertRecipient {
  id: string;
  value?: string;
  description?: string;
  metaAttributes: NvSet[];
  instanceAttributes: NvSet[];
  extra?: Extra;
}

/** `<alert>`; a `<select>` child, if any, is kept in `extra`. */
export interface Alert {
  id: string;
  path?: string;
  description?: string;
  metaAttributes: NvSet[];
  instanceAttributes: NvSet[];
  recipients: AlertRecipient[];
  extra?: Extra;
}

/** `<fencing-level>`: `index` is kept raw; devices is the comma-separated device list. */
export interface FencingLevel {
  id: string;
  index?: string;
  devices?: string;
  target?: string;
  targetPattern?: string;
  targetAttribute?: string;
  targetValue?: string;
  extra?: Extra;
}

// ---------------------------------------------------------------------------------------------
// Configuration and the cib element

export interface Configuration {
  /** `crm_config` → `cluster_property_set` elements. */
  crmConfig: NvSet[];
  nodes: CibNode[];
  resources: Resource[];
  templates: Template[];
  constraints: Constraint[];
  /** `rsc_defaults` → `meta_attributes` sets. */
  rscDefaults: NvSet[];
  /** `op_defaults` → `meta_attributes` sets. */
  opDefaults: NvSet[];
  tags: Tag[];
  alerts: Alert[];
  fencingTopology: FencingLevel[];
  /** `<acls>` verbatim (vigil does not interpret ACLs yet). */
  acls?: XmlElement;
  /**
   * Unknown attributes and children of the section elements themselves, keyed by section tag
   * (`crm_config`, `nodes`, `resources`, `constraints`, `rsc_defaults`, `op_defaults`, `tags`,
   * `alerts`, `fencing-topology`).
   */
  sectionExtras?: Record<string, Extra>;
  extra?: Extra;
}

/** A configuration section with nothing in it (fresh arrays each call). */
export function emptyConfiguration(): Configuration {
  return {
    crmConfig: [],
    nodes: [],
    resources: [],
    templates: [],
    constraints: [],
    rscDefaults: [],
    opDefaults: [],
    tags: [],
    alerts: [],
    fencingTopology: [],
  };
}

/** Attributes of the root `<cib>` element. */
export interface CibAttributes {
  epoch: number;
  numUpdates: number;
  adminEpoch: number;
  validateWith?: string;
  crmFeatureSet?: string;
  /** Pacemaker boolean (`1`, `true`, `0`, `false`…): see `isTrue`. */
  haveQuorum?: string;
  dcUuid?: string;
  /** Seconds since the epoch; the scheduler's "now" when set (crm_simulate honours it). */
  executionDate?: number;
  cibLastWritten?: string;
  updateOrigin?: string;
  updateClient?: string;
  updateUser?: string;
  remoteTlsPort?: string;
  remoteClearPort?: string;
  noQuorumPanic?: string;
}

// ---------------------------------------------------------------------------------------------
// Status

/** `<lrm_rsc_op>`: one recorded operation result. Integers are numbers; the rest raw text. */
export interface LrmRscOp {
  id: string;
  operationKey?: string;
  operation: string;
  crmDebugOrigin?: string;
  crmFeatureSet?: string;
  transitionKey?: string;
  transitionMagic?: string;
  callId: number;
  rcCode: number;
  opStatus: number;
  interval: number;
  /** Seconds since the epoch (also read from the legacy `last_run`). */
  lastRun?: number;
  /** Seconds since the epoch (also read from the legacy `last_rc_change`). */
  lastRcChange?: number;
  /** Milliseconds (also read from the legacy `exec_time`). */
  execTime?: number;
  /** Milliseconds (also read from the legacy `queue_time`). */
  queueTime?: number;
  opDigest?: string;
  opForceRestart?: string;
  opRestartDigest?: string;
  opSecureParams?: string;
  opSecureDigest?: string;
  exitReason?: string;
  onNode?: string;
  migrateSource?: string;
  migrateTarget?: string;
  extra?: Extra;
}

/** `<lrm_resource>`: the operation history of one resource on one node. */
export interface LrmResource {
  id: string;
  class?: string;
  provider?: string;
  type?: string;
  container?: string;
  /** Seconds since the epoch. */
  shutdownLock?: number;
  ops: LrmRscOp[];
  extra?: Extra;
}

/** `<lrm>`: the executor's view on one node. */
export interface Lrm {
  id?: string;
  /** `lrm_resources` element's own id, rarely present. */
  resourcesId?: string;
  resources: LrmResource[];
  /** Unknown attributes and children of the `lrm_resources` element. */
  resourcesExtra?: Extra;
  extra?: Extra;
}

/** `<transient_attributes>`: node attributes that do not survive a restart (fail-counts…). */
export interface TransientAttributes {
  id?: string;
  sets: NvSet[];
  extra?: Extra;
}

/**
 * `<node_state>`: one node's membership and history. Flags stay raw: `inCcm` and `crmd` may be
 * `true`/`false`/`online`/`offline` or (newer Pacemaker) a timestamp.
 */
export interface NodeState {
  id?: string;
  uname?: string;
  inCcm?: string;
  crmd?: string;
  join?: string;
  expected?: string;
  shutdown?: string;
  ha?: string;
  crmDebugOrigin?: string;
  remoteNode?: string;
  nodeFenced?: string;
  nodeInMaintenance?: string;
  clearShutdown?: string;
  transientAttributes?: TransientAttributes;
  lrm?: Lrm;
  extra?: Extra;
}

/** `<ticket_state>` in `status/tickets`. */
export interface TicketState {
  id: string;
  granted?: string;
  lastGranted?: string;
  standby?: string;
  extra?: Extra;
}

export interface Status {
  nodeStates: NodeState[];
  /** `status/tickets` children; undefined when the element is absent. */
  tickets?: TicketState[];
  /** Unknown attributes and children of the `tickets` element. */
  ticketsExtra?: Extra;
  extra?: Extra;
}

/** The whole CIB. */
export interface Cib {
  attributes: CibAttributes;
  configuration: Configuration;
  status: Status;
  /** True when the XML had no `<status>` element (then `status` is empty). */
  statusAbsent?: boolean;
  extra?: Extra;
}
