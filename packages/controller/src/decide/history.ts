import type { LrmRscOp } from '@vigil/cib';
import { paramsDigest } from '@vigil/scheduler';
import { nodeRuleAttributes, properties, resolvePrimitiveOn } from './config-model.js';
import { type CibConfig, type CibStatus, type NodeStatus, type OpRecord } from './model.js';

/**
 * The status section's operation history, kept the way Pacemaker keeps it so the scheduler reads
 * it as it would read Pacemaker's: per node and resource, `RSC_last_0` (the last one-shot
 * operation: probe, start, stop…), `RSC_last_failure_0` (the last failed one), and
 * `RSC_monitor_INTERVAL` per recurring monitor, each with a call-id that orders them.
 *
 * Failures also count as Pacemaker counts them, as node attributes
 * `fail-count-RSC#OP_INTERVAL` and `last-failure-RSC#OP_INTERVAL` (seconds); a failed start
 * counts INFINITY unless `start-failure-is-fatal=false`.
 */

/** The feature set recorded with each operation: the scheduler checks digests from 3.0 on. */
export const FEATURE_SET = '3.19.0';
/** Pacemaker op-status values. */
export const OP_STATUS = { done: 0, cancelled: 1, timeout: 2, notSupported: 3, error: 4 } as const;
const INFINITY = 1_000_000;
const MAX_OPS_PER_RESOURCE = 16;

/** An OpRecord's operation and interval (from `task`, or its `op`: `probe`, `monitor_10000`). */
export function opOf(rec: Pick<OpRecord, 'op' | 'task' | 'intervalMs'>): {
  operation: string;
  intervalMs: number;
} {
  if (rec.task !== undefined) return { operation: rec.task, intervalMs: rec.intervalMs ?? 0 };
  if (rec.op === 'probe') return { operation: 'monitor', intervalMs: 0 };
  const m = /^(.+)_(\d+)$/.exec(rec.op);
  if (m) return { operation: m[1]!, intervalMs: Number(m[2]) };
  return { operation: rec.op, intervalMs: 0 };
}

/**
 * Whether a failed operation counts against migration-threshold (a fail-count): every
 * operation but a probe (finding the resource where it should not be is no failure of it), a
 * stop (a failed stop is recovered by fencing the node) and a cancel. `op` is the recorded
 * operation: `probe`, `monitor_INTERVAL`, or the task.
 */
export function countsAgainstThreshold(op: string): boolean {
  return op !== 'probe' && op !== 'stop' && op !== 'cancel' && !op.startsWith('cancel_');
}

/** The OCF rc an operation is expected to return: a probe expects "not running" (7). */
export function targetRc(
  operation: string,
  intervalMs: number,
  role?: 'Promoted' | 'Unpromoted',
): number {
  if (operation !== 'monitor') return 0;
  if (intervalMs === 0) return 7;
  // The Promoted role's monitor expects "running promoted"; Pacemaker reads the rc against it.
  return role === 'Promoted' ? 8 : 0;
}

/**
 * The digest of a primitive's parameters on `node` at `nowSec`, computed as the scheduler checks
 * it (for a result that carries none: the node side computes it from what it ran).
 */
export function opDigest(
  config: CibConfig,
  rsc: string,
  node: string,
  transient: Readonly<Record<string, string>>,
  nowSec: number,
): string | undefined {
  const nodeAttributes = nodeRuleAttributes(config, node, transient, undefined);
  const d = resolvePrimitiveOn(config, rsc.replace(/:\d+$/, ''), { node, nodeAttributes, nowSec });
  if (d === undefined) return undefined;
  return paramsDigest(new Map(Object.entries(d.params)));
}

export interface RecordInput {
  readonly node: string;
  readonly rsc: string;
  readonly rec: OpRecord;
  /** `ACTION:TRANSITION:TARGET_RC:DC` as in Pacemaker; built from the operation when absent. */
  readonly transitionKey?: string;
  /** Whether the failure counts (a failed probe finding the resource active does not). */
  readonly countFailure: boolean;
  readonly fatal?: boolean;
}

/** Records one operation result in the status section; returns the new status. */
export function recordOp(status: CibStatus, config: CibConfig, i: RecordInput): CibStatus {
  const { operation, intervalMs } = opOf(i.rec);
  if (operation === 'cancel' || i.rec.opStatus === OP_STATUS.cancelled) {
    // A cancelled recurring monitor leaves the history, as Pacemaker deletes its record.
    const ops = (status.lrm?.[i.node]?.[i.rsc] ?? []).filter(
      (o) => !(o.interval === intervalMs && o.interval > 0),
    );
    return {
      ...status,
      lrm: { ...status.lrm, [i.node]: { ...status.lrm?.[i.node], [i.rsc]: ops } },
    };
  }
  const callId = (status.lastCallId ?? 0) + 1;
  const lastRcChange = Math.floor(i.rec.wallMs / 1000);
  const target = targetRc(operation, intervalMs);
  const timedOut = i.rec.opStatus === OP_STATUS.timeout || i.rec.reason.startsWith('timed out');
  const digest =
    i.rec.opDigest ??
    opDigest(config, i.rsc, i.node, status.nodes[i.node]?.attributes ?? {}, lastRcChange);
  const base = (id: string): LrmRscOp => ({
    id,
    operationKey: `${i.rsc}_${operation}_${intervalMs}`,
    operation,
    crmFeatureSet: FEATURE_SET,
    transitionKey: i.transitionKey ?? `0:0:${target}:vigil`,
    callId,
    rcCode: i.rec.rc,
    opStatus: i.rec.opStatus ?? (timedOut ? OP_STATUS.timeout : OP_STATUS.done),
    interval: intervalMs,
    lastRcChange,
    lastRun: lastRcChange,
    execTime: Math.max(0, Math.round(i.rec.durationMs)),
    queueTime: i.rec.queueMs ?? 0,
    ...(digest === undefined ? {} : { opDigest: digest }),
    ...(i.rec.reason === '' ? {} : { exitReason: i.rec.reason }),
    onNode: i.node,
  });
  const prev = status.lrm?.[i.node]?.[i.rsc] ?? [];
  let ops = prev.filter((o) => !(intervalMs === 0 && o.id === `${i.rsc}_last_0`));
  if (intervalMs === 0 && (operation === 'stop' || operation === 'start'))
    // A start or stop cancels the resource's recurring monitors.
    ops = ops.filter((o) => o.interval === 0);
  if (intervalMs > 0) ops = ops.filter((o) => o.id !== `${i.rsc}_${operation}_${intervalMs}`);
  ops.push(base(intervalMs === 0 ? `${i.rsc}_last_0` : `${i.rsc}_${operation}_${intervalMs}`));
  let attributes = status.nodes[i.node]?.attributes ?? {};
  if (i.rec.failed) {
    ops = ops.filter((o) => o.id !== `${i.rsc}_last_failure_0`);
    ops.push(base(`${i.rsc}_last_failure_0`));
    if (i.countFailure) {
      const key = `${i.rsc}#${operation}_${intervalMs}`;
      const was = parseCount(attributes[`fail-count-${key}`]);
      const fatal =
        i.fatal === true ||
        (operation === 'start' &&
          (properties(config)['start-failure-is-fatal'] ?? 'true').toLowerCase() !== 'false');
      const count = fatal ? INFINITY : Math.min(INFINITY, was + 1);
      attributes = {
        ...attributes,
        [`fail-count-${key}`]: count >= INFINITY ? 'INFINITY' : String(count),
        [`last-failure-${key}`]: String(lastRcChange),
      };
    }
  }
  ops = ops.slice(-MAX_OPS_PER_RESOURCE);
  const ns: NodeStatus = status.nodes[i.node] ?? {
    state: 'member',
    sinceWallMs: i.rec.wallMs,
    attributes: {},
  };
  return {
    ...status,
    lastCallId: callId,
    lrm: { ...status.lrm, [i.node]: { ...status.lrm?.[i.node], [i.rsc]: ops } },
    nodes: { ...status.nodes, [i.node]: { ...ns, attributes } },
  };
}

/** Clears a resource's failcount on a node (the scheduler's `clear_failcount`, failure-timeout). */
export function clearFailcount(status: CibStatus, node: string, rsc: string): CibStatus {
  const ns = status.nodes[node];
  if (!ns) return status;
  const base = rsc.replace(/:\d+$/, '');
  const attributes = Object.fromEntries(
    Object.entries(ns.attributes).filter(([k]) => {
      const m = /^(?:fail-count|last-failure)-(.+?)(?:#.*)?$/.exec(k);
      return !(m && m[1]!.replace(/:\d+$/, '') === base);
    }),
  );
  const fc = Object.fromEntries(
    Object.entries(status.failcounts[node] ?? {}).filter(([r]) => r !== rsc && r !== base),
  );
  return {
    ...status,
    nodes: { ...status.nodes, [node]: { ...ns, attributes } },
    failcounts: { ...status.failcounts, [node]: fc },
  };
}

/** Forgets a resource's failures (and its history, so it is probed again): `vigil resource cleanup`. */
export function cleanupHistory(
  status: CibStatus,
  ids: ReadonlySet<string>,
  node: string | undefined,
): CibStatus {
  const lrm: Record<string, Record<string, readonly LrmRscOp[]>> = {};
  for (const [n, m] of Object.entries(status.lrm ?? {})) {
    lrm[n] = {};
    for (const [r, ops] of Object.entries(m)) {
      const mine = ids.has(r.replace(/:\d+$/, '')) && (node === undefined || node === n);
      if (!mine || !ops.some(isFailed)) lrm[n][r] = ops;
    }
  }
  const nodes: Record<string, NodeStatus> = {};
  for (const [n, ns] of Object.entries(status.nodes)) {
    if (node !== undefined && node !== n) {
      nodes[n] = ns;
      continue;
    }
    const attributes = Object.fromEntries(
      Object.entries(ns.attributes).filter(([k]) => {
        const m = /^(?:fail-count|last-failure)-(.+?)(?:#.*)?$/.exec(k);
        return !(m && ids.has(m[1]!.replace(/:\d+$/, '')));
      }),
    );
    nodes[n] = { ...ns, attributes };
  }
  return { ...status, lrm, nodes };
}

/** Whether the history holds a failed operation (the last failure, not yet cleaned up). */
export function isFailed(o: LrmRscOp): boolean {
  return o.id.endsWith('_last_failure_0');
}

/** Per resource, the failcount summed over its operations, from the node's attributes. */
export function failcountsOf(attrs: Readonly<Record<string, string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(attrs)) {
    const m = /^fail-count-(.+?)(?:#.*)?$/.exec(k);
    if (!m) continue;
    out[m[1]!] = Math.min(INFINITY, (out[m[1]!] ?? 0) + parseCount(v));
  }
  return out;
}

function parseCount(v: string | undefined): number {
  if (v === undefined) return 0;
  if (v.toUpperCase().includes('INFINITY')) return INFINITY;
  return Number.parseInt(v, 10) || 0;
}

/** Whether the history says the resource is active (its newest operation left it running). */
export function activeInHistory(ops: readonly LrmRscOp[]): boolean {
  const sorted = [...ops].filter((o) => !isFailed(o)).sort((a, b) => a.callId - b.callId);
  const last = sorted[sorted.length - 1];
  if (!last) return false;
  if (last.operation === 'stop') return last.rcCode !== 0;
  if (last.operation === 'monitor') return last.rcCode !== 7 && last.rcCode !== 5;
  return true;
}

/**
 * A node's own table of its resources (after a DC change or a rejoin) against the recorded
 * history: where they disagree, or nothing is recorded, the node's answer is recorded as a probe.
 */
export function reconcileNode(
  status: CibStatus,
  config: CibConfig,
  node: string,
  table: Readonly<Record<string, OpRecord>>,
): CibStatus {
  let s = status;
  for (const [rsc, rec] of Object.entries(table)) {
    const ops = s.lrm?.[node]?.[rsc];
    if (
      ops &&
      ops.length > 0 &&
      activeInHistory(ops) === rec.active &&
      ops.some(isFailed) === rec.failed
    )
      continue;
    s = recordOp(s, config, {
      node,
      rsc,
      rec: { ...rec, op: 'probe', rc: rec.active ? (rec.failed ? 1 : 0) : 7 },
      countFailure: false,
    });
  }
  // What the history says of this node that its table does not: a clone instance (`ping:0`)
  // the node no longer knows, typically because the node restarted, and whose primitive it has
  // just probed and found stopped. The node's answer for the primitive covers the instance:
  // left active, the scheduler would believe the instance runs there and never start it.
  for (const [rsc, ops] of Object.entries(s.lrm?.[node] ?? {})) {
    if (rsc in table || ops.length === 0 || !activeInHistory(ops)) continue;
    const probed = table[rsc.replace(/:\d+$/, '')];
    if (probed === undefined || probed.active || rsc === rsc.replace(/:\d+$/, '')) continue;
    s = recordOp(s, config, {
      node,
      rsc,
      rec: { ...probed, op: 'probe', rc: 7, active: false, failed: false },
      countFailure: false,
    });
  }
  return s;
}

/** Drops the history of deleted resources (they were stopped first; nothing is left to stop). */
export function dropHistory(status: CibStatus, ids: ReadonlySet<string>): CibStatus {
  if (!status.lrm) return status;
  const lrm: Record<string, Record<string, readonly LrmRscOp[]>> = {};
  for (const [n, m] of Object.entries(status.lrm))
    lrm[n] = Object.fromEntries(
      Object.entries(m).filter(([r]) => !ids.has(r.replace(/:\d+$/, ''))),
    );
  return { ...status, lrm };
}
