/**
 * The cluster configuration file (`vigil.yaml`): one file describes a whole cluster and is the
 * same on every node. Timing defaults are chosen for sub-second failover on a LAN without false
 * positives under load; every field is optional except `cluster` and `nodes`.
 */

export interface NodeConfig {
  /** Node name: what users type and what the CIB calls the node (uname). */
  readonly name: string;
  /** One or more link addresses `host:port`, one per network link, in priority order. */
  readonly links: readonly LinkConfig[];
  /** A witness votes and stores the log but never runs resources. */
  readonly witness: boolean;
}

export interface LinkConfig {
  readonly host: string;
  readonly port: number;
}

export interface TimingConfig {
  /** Interval between heartbeats on each link. */
  readonly heartbeatIntervalMs: number;
  /** A heartbeat later than this is logged (Heartbeat's warntime). */
  readonly warntimeMs: number;
  /** A peer silent on every link for this long is declared dead (Heartbeat's deadtime). */
  readonly deadtimeMs: number;
  /** Raft election timeout base; randomized up to twice this. */
  readonly electionTimeoutMs: number;
  /** Delay before the DC recomputes after a change, to batch bursts. */
  readonly schedulerDebounceMs: number;
  /** A node without quorum stops its resources within this bound. */
  readonly quorumLossStopMs: number;
}

/**
 * A cluster-file fence device's monitor interval unless `monitorIntervalMs` says otherwise: 60 s,
 * the interval `pcs stonith create` gives a stonith resource's monitor.
 */
export const DEFAULT_FENCE_MONITOR_INTERVAL_MS = 60_000;

export interface FenceDeviceConfig {
  readonly id: string;
  /** Agent name, e.g. `fence_ipmilan` or `fence_vigil`. */
  readonly agent: string;
  /** Parameters passed on the agent's stdin. */
  readonly params: Readonly<Record<string, string>>;
  /** Which nodes it can fence, and with which plug: `{ a: "1", b: "2" }` (pcmk_host_map). */
  readonly hostMap: Readonly<Record<string, string>>;
  readonly delayBaseMs: number;
  readonly delayMaxMs: number;
  readonly timeoutMs: number;
  /** How often the DC runs the agent's `monitor` (its timeout is `timeoutMs`); 0: never. */
  readonly monitorIntervalMs: number;
}

export interface ClusterConfig {
  readonly cluster: string;
  readonly nodes: readonly NodeConfig[];
  /** Path of the cluster key; relative paths are relative to the config file. */
  readonly authkey: string;
  /** Directory for each node's state; `{node}` is replaced by the node name. */
  readonly stateDir: string;
  /** Local API socket; `{node}` is replaced by the node name. */
  readonly socket: string;
  readonly timing: TimingConfig;
  readonly stonithEnabled: boolean;
  readonly noQuorumPolicy: 'stop' | 'freeze' | 'ignore' | 'suicide';
  readonly fencing: {
    readonly devices: readonly FenceDeviceConfig[];
    /** Per node: levels tried in order; every device of a level must succeed. */
    readonly topology: Readonly<Record<string, readonly (readonly string[])[]>>;
  };
}

export const DEFAULT_PORT = 5405;

export const DEFAULT_TIMING: TimingConfig = {
  heartbeatIntervalMs: 200,
  warntimeMs: 350,
  deadtimeMs: 500,
  electionTimeoutMs: 400,
  schedulerDebounceMs: 5,
  quorumLossStopMs: 5000,
};

/** Bounds on timing values: outside them a cluster either flaps or fails over too slowly. */
export const TIMING_BOUNDS: Readonly<Record<keyof TimingConfig, readonly [number, number]>> = {
  heartbeatIntervalMs: [10, 5000],
  warntimeMs: [20, 60_000],
  deadtimeMs: [50, 120_000],
  electionTimeoutMs: [50, 120_000],
  schedulerDebounceMs: [0, 10_000],
  quorumLossStopMs: [100, 600_000],
};

export const NO_QUORUM_POLICIES = ['stop', 'freeze', 'ignore', 'suicide'] as const;
