import {
  agentName,
  nodeSettings,
  primitives,
  type Cib,
  type FenceDeviceStatus,
  type FenceRecord,
  type OpRecord,
} from '@vigil/controller';
import type { ClusterConfig } from '../config/index.js';
import type { FenceDeviceInfo } from './fencing.js';

/** What `vigil status` shows: crm_mon's view, built from this node's copy of the CIB. */
export interface StatusView {
  readonly cluster: string;
  readonly node: string;
  readonly dc: string | null;
  readonly term: number;
  readonly quorate: boolean;
  readonly cibVersion: number;
  readonly configVersion: number;
  readonly nodes: readonly {
    name: string;
    state: string;
    online: boolean;
    standby: boolean;
    maintenance: boolean;
    dc: boolean;
  }[];
  readonly resources: readonly {
    id: string;
    kind: string;
    agent: string;
    parent: string | null;
    targetRole: string;
    running: string[];
    /** Nodes where it runs promoted (a promotable clone's instances); a subset of `running`. */
    promoted: string[];
    failed: string[];
  }[];
  /**
   * Fence devices (the cluster file's and the CIB's stonith primitives), as this node's fencer
   * was built from them; the DC's fencer runs them (`running` is the DC while Started).
   */
  readonly fenceDevices: readonly (FenceDeviceInfo & {
    running: string | null;
    /** The DC's last monitor result as recorded in the CIB (absent: none recorded yet). */
    monitor?: FenceDeviceStatus;
  })[];
  /** The last fencing requests (replicated: they outlive a DC change), oldest first. */
  readonly fencing: readonly FenceRecord[];
  readonly failures: Cib['status']['failures'];
  readonly failcounts: Cib['status']['failcounts'];
  readonly transition:
    { id: number; outcome: string; actions: number; reason: string | undefined } | undefined;
  readonly warnings: readonly string[];
  readonly localActive: readonly string[];
}

export function buildStatus(i: {
  cfg: ClusterConfig;
  self: string;
  cib: Cib;
  members: string[];
  quorate: boolean;
  dc: string | undefined;
  term: number;
  warnings: readonly string[];
  transition: StatusView['transition'];
  localActive: string[];
  fenceDevices?: readonly FenceDeviceInfo[];
}): StatusView {
  const { cib } = i;
  return {
    cluster: i.cfg.cluster,
    node: i.self,
    dc: i.dc ?? null,
    term: i.term,
    quorate: i.quorate,
    cibVersion: cib.version,
    configVersion: cib.configVersion,
    nodes: i.cfg.nodes.map((n) => ({
      name: n.name,
      state: i.members.includes(n.name) ? 'online' : (cib.status.nodes[n.name]?.state ?? 'unknown'),
      online: i.members.includes(n.name),
      standby: nodeSettings(cib.config, n.name).standby,
      maintenance: nodeSettings(cib.config, n.name).maintenance,
      dc: i.dc === n.name,
    })),
    resources: primitives(cib.config).map(({ prim, top }) => {
      const running = i.cfg.nodes
        .map((n) => n.name)
        .filter((n) => {
          // This node knows its own resources first-hand, even without a DC.
          if (n === i.self)
            return i.localActive.some((x) => x === prim.id || x.replace(/:\d+$/, '') === prim.id);
          // A lost node counts only while it may still run things (fencing pending).
          if (
            !i.members.includes(n) &&
            !(i.cfg.stonithEnabled && cib.status.nodes[n]?.state === 'lost')
          )
            return false;
          return records(cib, n, prim.id).some((r) => r.active && !r.failed);
        });
      return {
        id: prim.id,
        kind: top.promotable ? 'promotable clone' : top.kind,
        agent: agentName(prim),
        parent: top.id === prim.id ? null : top.id,
        targetRole: top.meta['target-role'] ?? prim.meta['target-role'] ?? 'Started',
        running,
        promoted: top.promotable
          ? running.filter((n) => records(cib, n, prim.id).some(isPromoted))
          : [],
        failed: i.cfg.nodes
          .map((n) => n.name)
          .filter((n) => records(cib, n, prim.id).some((r) => r.failed)),
      };
    }),
    fenceDevices: (i.fenceDevices ?? []).map((d) => {
      const monitor = cib.status.fenceDevices?.[d.id];
      const failed = d.state === 'Started' && monitor !== undefined && !monitor.ok;
      return {
        ...d,
        ...(failed ? { state: 'FAILED' as const, note: `monitor failed: ${monitor.reason}` } : {}),
        running: d.state === 'Started' ? (i.dc ?? null) : null,
        ...(monitor !== undefined ? { monitor } : {}),
      };
    }),
    fencing: (cib.status.fencing ?? []).slice(-STATUS_FENCE_RECORDS),
    failures: cib.status.failures,
    failcounts: cib.status.failcounts,
    transition: i.transition,
    warnings: i.warnings,
    localActive: i.localActive,
  };
}

/** Fencing requests `vigil status` shows (the CIB keeps more; `vigil fence history` lists them). */
const STATUS_FENCE_RECORDS = 5;

/** Whether the last result says the instance runs promoted (a promote, or a monitor's rc 8). */
function isPromoted(r: OpRecord): boolean {
  return r.active && !r.failed && (r.rc === 8 || r.task === 'promote' || r.op === 'promote');
}

/** The last results of a primitive on a node: itself, or its clone instances (`id:N`). */
function records(cib: Cib, node: string, id: string): OpRecord[] {
  const ops = cib.status.ops[node] ?? {};
  return Object.entries(ops)
    .filter(([r]) => r === id || r.replace(/:\d+$/, '') === id)
    .map(([, r]) => r);
}
