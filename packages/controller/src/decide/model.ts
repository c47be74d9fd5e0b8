import { VigilError } from '@vigil/base';
import type { Configuration, LrmRscOp } from '@vigil/cib';
import { emptyConfiguration } from '@vigil/cib';

/**
 * The replicated cluster state the daemon keeps (the CIB as vigild's state machine): the
 * configuration section users change, the status section the DC writes, and the history of
 * configuration changes. Plain JSON so it replicates and persists as is.
 *
 * The configuration section is `@vigil/cib`'s `Configuration` (see `config-model.ts`): whatever
 * a Pacemaker CIB configures and the scheduler understands is kept. The definitions below
 * (`PrimitiveDef`, `GroupDef`, `CloneDef`, `Constraint`) are what CLI entries carry, and
 * `PrimitiveDef` is also a primitive resolved for the node side (agent, parameters, meta).
 */
export interface OpSpec {
  readonly name: 'monitor';
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** A promotable clone's monitors: the role each checks. */
  readonly role?: 'Promoted' | 'Unpromoted';
  /**
   * The operation's own instance attributes (`OCF_CHECK_LEVEL=10`…): the agent gets them with
   * the primitive's parameters for this operation only, as in Pacemaker.
   */
  readonly params?: Readonly<Record<string, string>>;
}

export interface PrimitiveDef {
  readonly kind: 'primitive';
  readonly id: string;
  /** `ocf`, `lsb`, `systemd`. */
  readonly class: string;
  readonly provider: string;
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
  readonly ops: readonly OpSpec[];
}

export interface GroupDef {
  readonly kind: 'group';
  readonly id: string;
  readonly members: readonly PrimitiveDef[];
  readonly meta: Readonly<Record<string, string>>;
}

export interface CloneDef {
  readonly kind: 'clone';
  readonly id: string;
  readonly child: PrimitiveDef;
  readonly meta: Readonly<Record<string, string>>;
}

export type ResourceDef = PrimitiveDef | GroupDef | CloneDef;

export interface LocationConstraint {
  readonly kind: 'location';
  readonly id: string;
  readonly rsc: string;
  readonly node: string;
  /** Score; ±1_000_000 is ±INFINITY. */
  readonly score: number;
}

export interface ColocationConstraint {
  readonly kind: 'colocation';
  readonly id: string;
  readonly rsc: string;
  readonly withRsc: string;
  readonly score: number;
}

export interface OrderConstraint {
  readonly kind: 'order';
  readonly id: string;
  readonly first: string;
  readonly then: string;
}

export type Constraint = LocationConstraint | ColocationConstraint | OrderConstraint;

/** The configuration section: a Pacemaker CIB's, as `@vigil/cib` models it. */
export type CibConfig = Configuration;

/** One operation result as an lrm_rsc_op record: the last result per resource and node. */
export interface OpRecord {
  readonly op: string;
  readonly rc: number;
  /** Whether the resource is active after this result. */
  readonly active: boolean;
  /** Whether the resource is failed (active but broken, or a failed stop). */
  readonly failed: boolean;
  readonly wallMs: number;
  readonly durationMs: number;
  readonly reason: string;
  /** lrm_rsc_op details from the executor (absent in records written before it reported them). */
  readonly task?: string;
  readonly intervalMs?: number;
  /** The executor's call id on that node (increasing per operation). */
  readonly callId?: number;
  /** Pacemaker's op-status: 0 done, 1 cancelled, 2 timed out, 4 error, 7 not installed. */
  readonly opStatus?: number;
  /** MD5 of the resource parameters, as Pacemaker records op-digest. */
  readonly opDigest?: string;
  /** Time waiting in the executor's queue before the agent ran, ms. */
  readonly queueMs?: number;
}

export type NodeState = 'member' | 'lost' | 'fenced' | 'pending';

export interface NodeStatus {
  readonly state: NodeState;
  readonly sinceWallMs: number;
  /** Last fencing of the node, if any. */
  readonly fencedAtWallMs?: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface CibStatus {
  readonly nodes: Readonly<Record<string, NodeStatus>>;
  /** node → resource id → last op. */
  readonly ops: Readonly<Record<string, Readonly<Record<string, OpRecord>>>>;
  /**
   * node → resource id → operation history as Pacemaker records it (`lrm_rsc_op`): `RSC_last_0`
   * (the last one-shot operation), `RSC_last_failure_0`, and one `RSC_monitor_INTERVAL` per
   * recurring monitor. The scheduler reads this. Absent in state written by older versions.
   */
  readonly lrm?: Readonly<Record<string, Readonly<Record<string, readonly LrmRscOp[]>>>>;
  /** Last call-id given to a recorded operation (call-ids order a node's history). */
  readonly lastCallId?: number;
  /** node → resource id → fail count. */
  readonly failcounts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Last failures, newest last, bounded. */
  readonly failures: readonly FailureRecord[];
  /**
   * Primitives removed from the configuration while the status shows them active somewhere
   * (an import that drops them, a delete of a running resource): their last definition, so the
   * scheduler's stop (and `delete`, which forgets them on a node) can still be run. Gone once
   * no node has history of them.
   */
  readonly orphans?: Readonly<Record<string, PrimitiveDef>>;
  /** Completed fencing requests, oldest first, at most MAX_FENCE_RECORDS. */
  readonly fencing?: readonly FenceRecord[];
  /** fence device id → its monitor's last result (absent: never monitored, or removed). */
  readonly fenceDevices?: Readonly<Record<string, FenceDeviceStatus>>;
}

/**
 * One completed fencing request as the DC records it in the status section (replicated, so the
 * history outlives a DC change), like Pacemaker's fencing history. Bounded: see MAX_FENCE_RECORDS.
 */
export interface FenceRecord {
  readonly target: string;
  readonly action: string;
  readonly ok: boolean;
  /** One sentence: which level fenced the target, or why none could. */
  readonly reason: string;
  /** The devices of the level that fenced the target (empty when it failed). */
  readonly devices: readonly string[];
  /** Every device attempt: level, device, outcome. */
  readonly attempts: readonly {
    readonly level: number;
    readonly device: string;
    readonly ok: boolean;
    readonly reason: string;
  }[];
  /** The DC that ran it (Pacemaker's origin and delegate: vigil's DC does both). */
  readonly dc: string;
  /** Why it was asked for (the scheduler's reason). */
  readonly why: string;
  readonly startedWallMs: number;
  readonly completedWallMs: number;
}

/** A fence device's last monitor result, as the DC records it when it changes. */
export interface FenceDeviceStatus {
  readonly ok: boolean;
  /** The agent's reason (its output's last line) when failed; empty when ok. */
  readonly reason: string;
  /** When the monitor first gave this result. */
  readonly sinceWallMs: number;
  /** The DC whose monitor found it. */
  readonly dc: string;
}

export interface FailureRecord {
  readonly node: string;
  readonly rsc: string;
  readonly op: string;
  readonly rc: number;
  readonly wallMs: number;
  readonly reason: string;
}

export interface HistoryEntry {
  readonly version: number;
  readonly wallMs: number;
  /** Who: `user@host via node`. */
  readonly who: string;
  readonly what: string;
}

export interface Cib {
  /** Raft-style term of the leader that wrote this version. */
  readonly term: number;
  /** Monotonic version, +1 per applied change (configuration or status). */
  readonly version: number;
  /** Configuration changes only: what Pacemaker calls admin_epoch/epoch. */
  readonly configVersion: number;
  readonly config: CibConfig;
  readonly status: CibStatus;
  readonly history: readonly HistoryEntry[];
}

export const INFINITY = 1_000_000;
export const MAX_HISTORY = 100;
export const MAX_FAILURES = 20;
/** Fencing requests the status section keeps (the newest). */
export const MAX_FENCE_RECORDS = 64;
export const MAX_RESOURCES = 256;
export const MAX_CONSTRAINTS = 1024;

export function emptyCib(): Cib {
  return {
    term: 0,
    version: 0,
    configVersion: 0,
    config: emptyConfiguration(),
    status: { nodes: {}, ops: {}, failcounts: {}, failures: [] },
    history: [],
  };
}

const ID_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `${what}: ${JSON.stringify(id)} is not a valid id (a letter or _, then letters, digits, . _ -; at most 64)`,
    );
  return id;
}

/** Parses a Pacemaker score: an integer, or `INFINITY`/`+INFINITY`/`-INFINITY`. */
export function parseScore(s: string, what: string): number {
  const t = s.trim().toUpperCase();
  if (t === 'INFINITY' || t === '+INFINITY') return INFINITY;
  if (t === '-INFINITY') return -INFINITY;
  if (!/^[+-]?\d+$/.test(t))
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `${what}: '${s}' is not a score (integer or ±INFINITY)`,
    );
  return Math.max(-INFINITY, Math.min(INFINITY, Number(t)));
}

export function fmtScore(n: number): string {
  if (n >= INFINITY) return 'INFINITY';
  if (n <= -INFINITY) return '-INFINITY';
  return String(n);
}
