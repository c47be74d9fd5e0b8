/**
 * Phase 4, create actions: compares each primitive's current state with its assignment and
 * decides what must happen (start, stop, move, recover, promote, demote, fence), each with a reason.
 */
import type { Role, WorkingSet, WsResource } from '../working-set.js';
import { activeNodes } from '../working-set.js';
import { isManaged } from './assign.js';

export interface Plan {
  readonly rsc: WsResource;
  /** Nodes it is active on now. */
  readonly current: string[];
  readonly currentRole: Role;
  readonly failed: boolean;
  next: string | null;
  nextRole: Role;
  /** A start (or role change) is wanted but cannot run, and why. */
  blocked?: string;
  /** Must be stopped and started again in place, and why. */
  restart?: string;
  /** Why it stops (when next is null). */
  stopReason?: string;
  /** Nothing may be done to it (unmanaged, blocked failure). */
  frozen: boolean;
  /** Nodes it is active on that will be fenced (stops there are implied). */
  fencedNodes: string[];
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
  if (r.agent?.cls === 'stonith') return false;
  return true;
}

export function createActions(ws: WorkingSet): ActionsResult {
  const plans = new Map<string, Plan>();
  const fences: FenceDecision[] = [];
  const canFence =
    ws.options.stonithEnabled && (ws.options.haveQuorum || ws.options.noQuorumPolicy === 'ignore');
  for (const n of ws.nodes) {
    if (n.unclean && canFence) {
      fences.push({
        node: n.name,
        action: ws.options.stonithAction,
        reason: n.fenceReason ?? 'node is unclean',
      });
    }
  }
  const fencedNodes = new Set(fences.map((f) => f.node));
  const qb = quorumBlocks(ws);
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    const current = activeNodes(r);
    const failed = current.some((n) => r.history.get(n)?.failed === true);
    const managed =
      isManaged(ws, r) &&
      !current.some(
        (n) => r.history.get(n)?.onFail === 'block' && r.history.get(n)?.failed === true,
      );
    const plan: Plan = {
      rsc: r,
      current,
      currentRole: currentRole(r, current),
      failed,
      next: r.assigned ?? null,
      nextRole: r.assigned ? r.nextRole : 'Stopped',
      frozen: !managed,
      fencedNodes: current.filter((n) => fencedNodes.has(n)),
    };
    if (plan.next === null && current.length > 0) {
      plan.stopReason = qb === 'stop' && needsQuorum(r) ? 'no quorum' : 'node availability';
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
    plans.set(r.id, plan);
  }
  return { plans, fences };
}
