/**
 * The node-attribute and CIB-query port: everything vigil's agent commands (`crm_attribute`,
 * `crm_master`, `attrd_updater`, `crm_node`, `crm_resource`) need from the cluster.
 *
 * Implementations: `FileClusterPort` (a JSON file per node, for one-shot runs and tests) now;
 * the daemon connects the same interface to the replicated CIB later.
 *
 * Semantics the agents rely on:
 * - `reboot` attributes are transient (the status section; attrd_updater writes these);
 *   `forever` ones are permanent (the nodes section); `private` ones are attrd-only, never in the
 *   CIB (attrd_updater -p); `utilization` are node utilization attributes (crm_attribute -z).
 * - a write is visible to every later read on every node (the file port: at once);
 * - resource ids are looked up without their clone suffix (`web:1` → `web`).
 */
export type AttrScope = 'reboot' | 'forever' | 'private' | 'utilization';

export interface AttrRef {
  readonly node: string;
  readonly name: string;
  readonly scope: AttrScope;
}

export interface ClusterNode {
  readonly id: number;
  readonly name: string;
  /** Part of this partition (crm_node -p lists these). */
  readonly member: boolean;
}

export type ResourceSection = 'params' | 'meta' | 'utilization';

/** Where a resource is active, as far as the executor(s) reported. */
export type ResourceState = 'started' | 'promoted' | 'stopped';

export interface ResourceView {
  readonly id: string;
  readonly agent: string;
  readonly params: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
  readonly utilization: Readonly<Record<string, string>>;
  /** Nodes where it is started or promoted. */
  readonly runningOn: readonly string[];
  readonly promotedOn: readonly string[];
}

export interface ResourceRecord {
  readonly id: string;
  readonly agent: string;
  readonly params: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
  /** The new state on this node, when the action changed it. */
  readonly state?: ResourceState;
}

export interface ClusterQueryPort {
  /** This node. */
  localNode(): Promise<ClusterNode>;
  /** Every known node. */
  nodes(): Promise<readonly ClusterNode[]>;
  hasQuorum(): Promise<boolean>;
  getAttribute(a: AttrRef): Promise<string | undefined>;
  setAttribute(a: AttrRef, value: string): Promise<void>;
  /** Deleting a missing attribute is not an error. */
  deleteAttribute(a: AttrRef): Promise<void>;
  /** A cluster option (crm_config), e.g. `stonith-enabled`. */
  clusterOption(name: string): Promise<string | undefined>;
  /** Sets (value) or deletes (undefined) a cluster option; redis keeps its replication info here. */
  setClusterOption(name: string, value: string | undefined): Promise<void>;
  resource(id: string): Promise<ResourceView | undefined>;
  /** Sets (value) or deletes (undefined) a resource's parameter, meta or utilization attribute. */
  setResourceAttribute(
    id: string,
    section: ResourceSection,
    name: string,
    value: string | undefined,
  ): Promise<void>;
  /** The executor reports a resource's definition and, after an action, its state here. */
  recordResource(r: ResourceRecord): Promise<void>;
}

/** `web:1` → `web`. */
export function baseResourceId(id: string): string {
  return id.replace(/:\d+$/, '');
}
