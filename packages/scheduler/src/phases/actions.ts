/**
 * Phase 4, create actions: compares each primitive's current state with its assignment and
 * decides what must happen (start, stop, move, recover, promote, demote, fence), each with a reason.
 */
import type { Role, WorkingSet, WsResource } from '../working-set.js';
import { activeNodes } from '../working-set.js';
import { isManaged } from './assign.js';
import { paramsDigest } from '../md5.js';

export interface Plan {
  readonly rsc: WsResource;
  /** Nodes it is active on now. */
  readonly current: string[];
  readonly currentRole: Role;
  readonly failed: boolean;
  next: string | null;
  nextRole: Role;
  /** A start (or role change) is wanted but cannot run, and why ('' when no reason is shown). */
  blocked?: string;
  /** Must be stopped and started again in place, and why. */
  restart?: string;
  /** Why it stops (when next is null). */
  stopReason?: string;
  /** Nothing may be done to it (unmanaged, blocked failure). */
  frozen: boolean;
  /** Frozen because a failure blocked it: it cannot be (re)started either. */
  blockedFailure: boolean;
  /** A clone instance whose start a clone it depends on blocks: no summary line. */
  silent?: boolean;
  /** Active on several nodes with multiple-active=stop_unexpected. */
  multiplyActive?: boolean;
  /** Nodes it is active on that will be fenced (stops there are implied). */
  fencedNodes: string[];
  /**
   * Nodes it is active on that are unclean but cannot be fenced now (no quorum): nothing can
   * stop it there, so it stays, and its stop is reported as blocked.
   */
  stuckNodes: string[];
  /** Its stop must wait for a stop that cannot run (see blocked-stops.ts), and which. */
  stopBlocked?: string;
  /** It would migrate, but something it is ordered after stops: it moves instead, and why. */
  migrationBlocked?: string;
}

export interface FenceDecision {
  readonly node: string;
  readonly action: string;
  readonly reason: string;
}

export interface ActionsResult {
  readonly plans: Map<string, Plan>;
  readonly fences: FenceDecision[];
}

function currentRole(r: WsResource, nodes: string[]): Role {
  let role: Role = 'Stopped';
  for (const n of nodes) {
    const h = r.history.get(n);
    if (!h) continue;
    if (h.role === 'Promoted') return 'Promoted';
    if (h.role !== 'Stopped') role = h.role;
    else if (h.failed) role = 'Started';
  }
  return role;
}

export function quorumBlocks(ws: WorkingSet): 'stop' | 'freeze' | undefined {
  if (ws.options.haveQuorum) return undefined;
  switch (ws.options.noQuorumPolicy) {
    case 'ignore':
      return undefined;
    case 'freeze':
      return 'freeze';
    case 'stop':
    case 'demote':
    case 'suicide':
      return 'stop';
  }
}

export function needsQuorum(r: WsResource): boolean {
  const req = r.meta.get('requires');
  if (req === 'nothing') return false;
  return true;
}

/**
 * Compares the digest recorded by the last start on `node` with the parameters evaluated for that
 * node. A change in a parameter that forces a restart gives 'resource definition change'; any
 * other change gives a plain restart ('' reason).
 */
function definitionChange(r: WsResource, node: string): string | undefined {
  const op = r.history.get(node)?.lastStart;
  if (!op) return undefined;
  if (op.digest === undefined) return '';
  const params = r.paramsOn?.(node) ?? r.params;
  if (op.restartDigest !== undefined && op.forceRestart !== undefined) {
    const only = new Set(op.forceRestart.split(/\s+/).filter((s) => s !== ''));
    if (paramsDigest(params, only) !== op.restartDigest) return 'resource definition change';
  }
  const modern = op.featureSet !== undefined && Number(op.featureSet.split('.')[0]) >= 3;
  if (modern && op.secureParams === undefined && paramsDigest(params) !== op.digest)
    return r.agent?.cls === 'stonith' ? 'resource definition change' : '';
  return undefined;
}

/**
 * Fencing is enabled but nothing can fence: no fencing device is configured and there is no
 * watchdog. The cluster then refuses to start resources, and in fact changes nothing.
 */
export function fencingUnavailable(ws: WorkingSet): boolean {
  if (!ws.options.stonithEnabled || ws.options.haveWatchdog) return false;
  for (const r of ws.byId.values())
    if (r.kind === 'primitive' && r.agent?.cls === 'stonith') return false;
  return true;
}

export function createActions(ws: WorkingSet): ActionsResult {
  const plans = new Map<string, Plan>();
  const fences: FenceDecision[] = [];
  const noFencing = fencingUnavailable(ws);
  const quorate = ws.options.haveQuorum || ws.options.noQuorumPolicy === 'ignore';
  // Fencing is listed from the last configured node to the first (as crm_simulate does).
  for (const n of [...ws.nodes].reverse()) {
    // Without quorum only nodes still in our partition (failed there) may be fenced.
    if (n.unclean && ws.options.stonithEnabled && !noFencing && (quorate || n.online)) {
      fences.push({
        node: n.name,
        action: ws.options.stonithAction,
        reason: n.fenceReason ?? 'node is unclean',
      });
    }
  }
  const fencedNodes = new Set(fences.map((f) => f.node));
  const unfenceable = new Set(
    ws.nodes.filter((n) => n.unclean && !fencedNodes.has(n.name)).map((n) => n.name),
  );
  const qb = quorumBlocks(ws);
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    const current = activeNodes(r);
    // A failure with on-fail=block on a node fenced anyway ends with the fencing: moving away
    // is then not a recovery.
    const failed = current.some(
      (n) =>
        r.history.get(n)?.failed === true &&
        !(fencedNodes.has(n) && r.history.get(n)?.onFail === 'block'),
    );
    // A failure with on-fail=block, or a failed stop on a node that cannot be fenced now,
    // leaves the resource where it is until someone cleans it up.
    // Fencing the node ends whatever the failure blocked there; on an unclean node that cannot
    // be fenced the resource is stuck instead (its stop is reported blocked).
    const blockedFailure = current.some(
      (n) =>
        (!fencedNodes.has(n) &&
          !unfenceable.has(n) &&
          r.history.get(n)?.onFail === 'block' &&
          r.history.get(n)?.failed === true) ||
        (unfenceable.has(n) &&
          r.history.get(n)?.stopFailed === true &&
          r.history.get(n)?.onFail !== 'block'),
    );
    const multi = current.filter((n) => !fencedNodes.has(n)).length > 1;
    const multiPolicy = multi ? (r.meta.get('multiple-active') ?? 'stop_start') : 'stop_start';
    const managed = isManaged(ws, r) && !blockedFailure && multiPolicy !== 'block' && !noFencing;
    const plan: Plan = {
      rsc: r,
      current,
      currentRole: currentRole(r, current),
      failed,
      next: r.assigned ?? null,
      nextRole: r.assigned ? r.nextRole : 'Stopped',
      frozen: !managed,
      blockedFailure,
      fencedNodes: current.filter((n) => fencedNodes.has(n)),
      stuckNodes: current.filter((n) => unfenceable.has(n)),
    };
    if (plan.next === null && current.length > 0) {
      // Placed nowhere even before quorum is considered: the nodes are what stops it.
      plan.stopReason = 'node availability';
    }
    if (plan.next !== null && qb !== undefined && needsQuorum(r)) {
      const staying = current.length === 1 && current[0] === plan.next && !failed;
      if (qb === 'stop') {
        if (current.length > 0) {
          plan.next = null;
          plan.nextRole = 'Stopped';
          plan.stopReason = 'no quorum';
        } else plan.blocked = 'no quorum';
      } else if (!staying && current.length === 0) plan.blocked = 'quorum freeze';
    }
    if (!multi && current.length === 1 && plan.next === current[0] && !failed && managed) {
      const why = definitionChange(r, current[0]);
      if (why !== undefined) plan.restart = why;
    }
    if (multi && multiPolicy === 'stop_only') {
      plan.next = null;
      plan.nextRole = 'Stopped';
      plan.stopReason = 'node availability';
    }
    if (multi && multiPolicy === 'stop_unexpected') plan.multiplyActive = true;
    if (managed && plan.stuckNodes.length > 0 && plan.next !== null) {
      // It cannot leave an unclean node that will not be fenced, so it cannot start elsewhere.
      if (!plan.stuckNodes.includes(plan.next)) plan.blocked ??= 'stop on an unclean node';
    }
    plans.set(r.id, plan);
  }
  return { plans, fences };
}
