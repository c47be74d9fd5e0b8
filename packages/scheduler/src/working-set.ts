/**
 * The working set: the scheduler's own view of a CIB at one moment, built by the unpack phase and
 * refined by the later phases. Every later phase reads and writes only this structure.
 */

import type { TicketConstraint, TicketState } from './constraints/ticket.js';

export type Role = 'Stopped' | 'Started' | 'Unpromoted' | 'Promoted';

/** A node as the scheduler sees it. */
export interface WsNode {
  readonly id: string;
  readonly name: string;
  readonly type: 'member' | 'remote' | 'guest';
  /** Position in the configuration, the last tie-breaker. */
  readonly index: number;
  online: boolean;
  /** Must be fenced before anything else happens on it. */
  unclean: boolean;
  /** Why it must be fenced (crm_simulate's quoted reason). */
  fenceReason?: string;
  /** Fenced because the partition lost quorum under no-quorum-policy=suicide. */
  suicide?: boolean;
  /** Clean and down: never joined, or left cleanly. */
  standby: boolean;
  maintenance: boolean;
  /** The node asked to shut down: its resources move away. */
  shutdown: boolean;
  /** Node attributes: configured instance attributes, transient attributes, and #uname, #id, #kind. */
  readonly attrs: Map<string, string>;
  /** How many resources the assign phase put here (load balancing tie-breaker). */
  assignedCount: number;
  /** Capacities offered (`<utilization>`), by attribute name; read by the placement strategy. */
  readonly utilization: Map<string, string>;
}

/** One operation configured on a primitive. */
export interface OpDef {
  readonly name: string;
  readonly intervalMs: number;
  readonly role?: Role;
  readonly onFail?: string;
  readonly enabled: boolean;
  /** From the op, its meta attributes or op_defaults; absent when none says. */
  readonly timeoutMs?: number;
  /** Another op of the resource has the same name and interval: it is not scheduled. */
  readonly ambiguous?: boolean;
}

/** One entry in a resource's operation history on one node. */
export interface HistoryOp {
  readonly id: string;
  readonly operation: string;
  /** The operation key (rsc_op_interval) when recorded; entries sharing key and call are one operation. */
  readonly key?: string;
  readonly intervalMs: number;
  readonly callId: number;
  readonly rc: number;
  readonly opStatus: number;
  /** Expected rc from the transition key, when present. */
  readonly targetRc?: number;
  readonly lastRcChange?: number;
  readonly onNode?: string;
  readonly migrateSource?: string;
  readonly migrateTarget?: string;
  readonly digest?: string;
  /** Masked parameters (passwords): digests over them cannot be checked here. */
  readonly secureParams?: string;
  readonly featureSet?: string;
  readonly restartDigest?: string;
  /** Parameters whose change forces a restart (the rest can be reloaded). */
  readonly forceRestart?: string;
}

/** What the history says about a primitive on one node. */
export interface NodeRscState {
  role: Role;
  failed: boolean;
  /** A stop failed here: the resource is stuck until the node is fenced. */
  stopFailed: boolean;
  /** Which op failed last and its on-fail policy. */
  failedOp?: HistoryOp;
  onFail?: string;
  /** The last op is pending. */
  pending: boolean;
  /** Probed (any history at all), so no probe is needed. */
  probed: boolean;
  /** Recurring monitors whose last result is recorded here, by interval. */
  readonly monitors: Set<number>;
  /** Recurring monitors with any recorded result, failures included (they keep running). */
  recurring?: Set<number>;
  /** The agent is not installed here (probe rc 5): the node is banned. */
  notInstalled?: boolean;
  /** Failed with a configuration error: it may not run anywhere. */
  fatal?: boolean;
  /** A hard error (rc 2, 3 or 4) happened here: it may not run here until cleaned up. */
  hardError?: number;
  /** A failure here had on-fail=ignore: the failcount does not ban the node. */
  ignoredFailure?: boolean;
  /** A failure with on-fail=demote: it is demoted here (and promoted again if chosen). */
  demoted?: boolean;
  /** A recurring monitor found it not running. */
  notRunning?: boolean;
  /** The operation that last (re)started it here, for digest comparison. */
  lastStart?: HistoryOp;
  migratedTo?: string | undefined;
  /** The status section's name for this clone instance here, when it differs ("db" for db:1). */
  lrmId?: string;
  migratedFrom?: string | undefined;
}

export type RscKind = 'primitive' | 'group' | 'clone' | 'bundle';

/** A score contribution with its cause, kept for explanations. */
export interface ScoreCause {
  readonly node: string;
  readonly score: number;
  readonly why: string;
}

export interface WsResource {
  readonly id: string;
  readonly kind: RscKind;
  readonly parent?: WsResource | undefined;
  readonly children: WsResource[];
  /** Effective meta attributes (own over parent over rsc_defaults). */
  readonly meta: Map<string, string>;
  /** Instance attributes evaluated without a node, for status output. */
  readonly params: Map<string, string>;
  /**
   * Instance attributes as an action on `node` gets them (rules see that node's attributes), for
   * parameter-change detection: Pacemaker compares a node's recorded digest with the parameters
   * evaluated for that node. Absent: `params` on every node.
   */
  readonly paramsOn?: (node: string) => ReadonlyMap<string, string>;
  /** Capacities a primitive needs (`<utilization>`), by attribute name. */
  readonly utilization: Map<string, string>;
  readonly agent: { cls: string; provider?: string; type: string } | undefined;
  readonly ops: OpDef[];
  /** Promotable clone (or a child of one). */
  readonly promotable: boolean;
  /** For clones: clone-max, clone-node-max, promoted-max, promoted-node-max, globally-unique. */
  readonly clone?: CloneSettings | undefined;
  /** Configuration order, which is also summary order. */
  readonly order: number;

  // --- state, filled by unpack ---
  /** Per node (by node name) state from history. */
  readonly history: Map<string, NodeRscState>;
  /** Probe results of inactive anonymous clone copies on a node (no instance owns them). */
  readonly probedOn: Map<string, NodeRscState>;
  /** Failcount per node (by node name), with the latest failure time in seconds. */
  readonly failcounts: Map<string, { count: number; lastFailure: number }>;
  managed: boolean;
  /** The resource is orphaned: in the status section but not configured. */
  orphan: boolean;

  // --- placement, filled by node criteria and assign ---
  /** Node name → score. A node missing from the map is not allowed. */
  allowed: Map<string, number>;
  readonly causes: ScoreCause[];
  assigned?: string | null;
  /** The final score table the assign phase chose from. */
  finalScores?: Map<string, number>;
  nextRole: Role;
  /** Why the resource is not placed anywhere, if so. */
  unassignedReason?: string;
  /** Assignment is in progress (colocation loop guard). */
  assigning: boolean;
  /** Primitive id in the clone's history (e.g. rsc:0), for clone instances. */
  instanceOf?: WsResource;
  /** A promotable instance's promotion score on its node, with the parts that made it. */
  promotion?: { readonly score: number; readonly parts: { score: number; why: string }[] };
}

export interface CloneSettings {
  readonly max: number;
  readonly nodeMax: number;
  readonly promotedMax: number;
  readonly promotedNodeMax: number;
  readonly unique: boolean;
  readonly interleave: boolean;
  readonly ordered: boolean;
  readonly notify: boolean;
}

export interface RscRef {
  readonly rsc: string;
  readonly role?: Role;
}

export interface LocationConstraint {
  readonly id: string;
  readonly rsc: string;
  readonly role?: Role;
  /** Node name → score contribution (rules already evaluated). */
  readonly scores: Map<string, number>;
  readonly discovery?: string;
}

export interface ColocationConstraint {
  readonly id: string;
  /** The dependent ("rsc"), placed relative to the primary ("with-rsc"). */
  readonly dependent: string;
  readonly primary: string;
  readonly dependentRole?: Role;
  readonly primaryRole?: Role;
  readonly score: number;
  readonly nodeAttribute: string;
  readonly influence: boolean;
}

export type OrderKind = 'Mandatory' | 'Optional' | 'Serialize';

export interface OrderConstraint {
  readonly id: string;
  readonly first: string;
  readonly firstAction: string;
  readonly then: string;
  readonly thenAction: string;
  readonly kind: OrderKind;
  readonly symmetrical: boolean;
  /** For one-or-more sets: a pseudo-resource name standing for the set. */
  readonly requireAll: boolean;
  /** The id of the one-or-more set (require-all=false) the first resource comes from. */
  readonly firstSet?: string;
}

export interface ClusterOptions {
  readonly stonithEnabled: boolean;
  readonly symmetric: boolean;
  readonly noQuorumPolicy: 'stop' | 'ignore' | 'freeze' | 'suicide' | 'demote';
  readonly haveQuorum: boolean;
  /** The partition had quorum and lost it (the controller sets `no-quorum-panic`). */
  readonly noQuorumPanic: boolean;
  /** Nodes can fence themselves through a watchdog (SBD), which counts as a fencing device. */
  readonly haveWatchdog: boolean;
  /** The CIB's crm_feature_set (the format version of what the cluster recorded). */
  readonly featureSet?: string;
  readonly maintenanceMode: boolean;
  readonly stopAllResources: boolean;
  readonly startFailureIsFatal: boolean;
  readonly stopOrphanResources: boolean;
  readonly stonithAction: string;
  readonly placementStrategy: string;
  readonly dcUuid?: string;
  readonly startupFencing: boolean;
  /** node-health-strategy and the scores of red, yellow and green node health attributes. */
  readonly nodeHealth?: {
    readonly strategy: string;
    readonly red: number;
    readonly yellow: number;
    readonly green: number;
    readonly base: number;
  };
}

export interface WorkingSet {
  readonly nowSec: number;
  readonly options: ClusterOptions;
  readonly nodes: WsNode[];
  readonly nodeByName: Map<string, WsNode>;
  /** Top-level resources in configuration order. */
  readonly resources: WsResource[];
  /** Every resource (all levels) by id. */
  readonly byId: Map<string, WsResource>;
  readonly locations: LocationConstraint[];
  readonly colocations: ColocationConstraint[];
  readonly orders: OrderConstraint[];
  readonly ticketStates: Map<string, TicketState>;
  readonly ticketConstraints: TicketConstraint[];
  /** Warnings to print before the status (crm_simulate prints some of these). */
  readonly notices: string[];
}

/** Every primitive under a resource, depth first, in configuration order. */
export function primitivesOf(r: WsResource): WsResource[] {
  if (r.kind === 'primitive') return [r];
  return r.children.flatMap(primitivesOf);
}

/** Nodes where the primitive is active according to its history. */
export function activeNodes(r: WsResource): string[] {
  const out: string[] = [];
  for (const [node, st] of r.history) if (st.role !== 'Stopped' || st.failed) out.push(node);
  return out;
}
