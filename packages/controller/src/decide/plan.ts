import {
  explain,
  schedule,
  type Explanation,
  type GraphAction,
  type Transition,
} from '@vigil/scheduler';
import { parseIntervalMs, type Configuration } from '@vigil/cib';
import type { Cib, PrimitiveDef } from './model.js';
import {
  findResource,
  nodeRuleAttributes,
  resolvePrimitive,
  primitivesOn,
  properties,
  resolvePrimitiveOn,
  topOf,
} from './config-model.js';
import { schedulerCib, type ClusterView } from './scheduler-input.js';
import type { RunGraph } from './transition.js';

/**
 * The controller's decision: run the scheduler on the replicated CIB and turn its graph
 * (`docs/graph-contract.md`) into actions the DC can dispatch, each with what the node side needs
 * (the primitive's definition, the operation, a deadline) and the scheduler's reason.
 */

/** A graph action as docs/graph-contract.md defines it: the scheduler's own type. */
export type ContractAction = GraphAction;

/**
 * What the node side runs: `probe` is a one-shot monitor, `monitor` a recurring one (kept running
 * until a stop, a start or a `cancel` of its interval); other tasks are the agent's action names.
 */
export type NodeOp = 'probe' | 'start' | 'stop' | 'monitor' | 'cancel' | (string & {});

/**
 * Tasks the DC completes itself, nothing sent to a node: `do_shutdown` (vigild has no shutdown
 * request to confirm) and `clear_failcount` (the DC clears it in the CIB).
 */
export const DC_TASKS: ReadonlySet<string> = new Set(['do_shutdown', 'clear_failcount']);

export interface PlannedAction extends ContractAction {
  readonly timeoutMs: number;
  /** For resource actions: the operation and the definition to run it with (id = `rsc`). */
  readonly op?: NodeOp;
  /** The configured primitive (a clone instance runs its primitive under the name `rsc`). */
  readonly def?: PrimitiveDef;
}

export interface Plan {
  readonly graph: RunGraph<PlannedAction>;
  readonly transition: Transition;
  /** Resource and fence actions, one line each with the scheduler's reason. */
  readonly lines: string[];
}

/**
 * Pacemaker's default `cluster-recheck-interval`: on a quiet cluster the DC schedules again this
 * long after its last run, so time-based rules (dates in parameters, meta attributes and
 * constraints) take effect at most this late.
 */
export const DEFAULT_RECHECK_MS = 15 * 60_000;
/** The longest a timer waits (2^31 - 1 ms, about 24.8 days). */
export const MAX_RECHECK_MS = 2_147_483_647;

/** The `cluster-recheck-interval` property in ms (default 15 min; 0 disables rechecks). */
export function recheckIntervalMs(config: Configuration): number {
  const v = properties(config)['cluster-recheck-interval'];
  const ms = v === undefined ? undefined : parseIntervalMs(v);
  return ms === undefined ? DEFAULT_RECHECK_MS : Math.min(ms, MAX_RECHECK_MS);
}

/** Deadline of a probe, start or stop when neither the graph nor the definition gives one. */
export const DEFAULT_OP_TIMEOUT_MS = 20_000;
/** Deadline of a fence action: the fencer runs each device under its own, shorter deadline. */
export const FENCE_TIMEOUT_MS = 120_000;

export function runScheduler(state: Cib, view: ClusterView, nowSec: number): Transition {
  return schedule({ cib: schedulerCib(state, view), nowSec });
}

export function planTransition(
  state: Cib,
  view: ClusterView,
  nowSec: number,
  transitionId: number,
): Plan {
  const transition = runScheduler(state, view, nowSec);
  const actions: PlannedAction[] = [];
  for (const a of transition.graph.actions as readonly ContractAction[])
    actions.push(toPlanned(a, state, view, nowSec));
  const edges = transition.graph.edges.map((e) => ({ before: e.before, after: e.after }));
  const lines = actions
    .filter((a) => !a.pseudo)
    .map((a) => `${a.key}${a.runnable ? '' : ' (blocked)'}: ${a.reason}`);
  return { graph: { id: transitionId, actions, edges }, transition, lines };
}

/**
 * The primitive `id` as `node` runs it at `nowSec` (the scheduler's time for this transition):
 * parameters evaluated with the node's attributes as the scheduler sees them, so the digest the
 * node records is the one the scheduler expects of that node.
 */
export function primitiveFor(
  state: Cib,
  id: string,
  node: string,
  dc: string | undefined,
  nowSec: number,
): PrimitiveDef | undefined {
  const transient = state.status.nodes[node]?.attributes ?? {};
  const nodeAttributes = nodeRuleAttributes(state.config, node, transient, dc);
  return resolvePrimitiveOn(state.config, id, { node, nodeAttributes, nowSec });
}

/** Every primitive as `node` runs it at `nowSec` (what a status refresh probes it with). */
export function primitivesFor(
  state: Cib,
  node: string,
  dc: string | undefined,
  nowSec: number,
): PrimitiveDef[] {
  const transient = state.status.nodes[node]?.attributes ?? {};
  const nodeAttributes = nodeRuleAttributes(state.config, node, transient, dc);
  return primitivesOn(state.config, { node, nodeAttributes, nowSec });
}

function toPlanned(
  a: ContractAction,
  state: Cib,
  view: ClusterView,
  nowSec: number,
): PlannedAction {
  if (a.pseudo || a.task === 'stonith' || a.rsc === undefined || DC_TASKS.has(a.task))
    return { ...a, timeoutMs: a.timeoutMs ?? (a.task === 'stonith' ? FENCE_TIMEOUT_MS : 0) };
  const primId = a.primitive ?? a.rsc.replace(/:\d+$/, '');
  // An orphan (removed from the configuration, still active somewhere) is stopped and
  // forgotten with its last definition; `delete` runs no agent, so it needs none.
  const def =
    (a.node === undefined
      ? resolvePrimitive(state.config, primId)
      : primitiveFor(state, primId, a.node, view.dc, nowSec)) ??
    state.status.orphans?.[primId] ??
    (a.task === 'delete' ? forgetOnly(primId) : undefined);
  const interval = a.intervalMs ?? 0;
  const op: NodeOp = a.task === 'monitor' ? (interval > 0 ? 'monitor' : 'probe') : a.task;
  const configured =
    a.task === 'monitor' && interval > 0
      ? def?.ops.find((o) => o.intervalMs === interval)?.timeoutMs
      : undefined;
  return {
    ...a,
    op,
    ...(def === undefined ? {} : { def }),
    // No definition: nothing to run it with. The action stays in the graph, blocked.
    ...(def === undefined
      ? { runnable: false, reason: `${a.reason} (no definition of ${primId})` }
      : {}),
    timeoutMs: a.timeoutMs ?? configured ?? DEFAULT_OP_TIMEOUT_MS,
  };
}

/** What a `delete` carries for a primitive vigild has no definition of: no agent is run. */
function forgetOnly(id: string): PrimitiveDef {
  return {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'vigil',
    type: 'none',
    params: {},
    meta: {},
    ops: [],
  };
}

export interface LiveExplanation extends Explanation {
  /** What the DC's next transition would do for this resource, with the scheduler's reasons. */
  readonly actions: { key: string; reason: string; runnable: boolean }[];
}

/** `vigil explain RSC`: the scheduler's own explanation, on the live cluster's CIB. */
export function explainResource(
  state: Cib,
  view: ClusterView,
  nowSec: number,
  rsc: string,
): LiveExplanation | undefined {
  const t = runScheduler(state, view, nowSec);
  // A clone's primitive (`vigil explain db` for db-clone) is explained through its clone.
  const top = topOf(state.config, rsc)?.id;
  const e = explain(t, rsc) ?? (top === undefined || top === rsc ? undefined : explain(t, top));
  if (!e) return undefined;
  const mine = (id: string | undefined): boolean =>
    id !== undefined && (id === rsc || id.replace(/:\d+$/, '') === rsc || isMember(state, rsc, id));
  const actions = (t.graph.actions as readonly ContractAction[])
    .filter((a) => !a.pseudo && (a.task === 'stonith' || mine(a.rsc)))
    .map((a) => ({ key: a.key, reason: a.reason, runnable: a.runnable }));
  return { ...e, actions };
}

/** Whether `id` is a resource inside `top` (a group, clone or bundle, at any depth). */
function isMember(state: Cib, top: string, id: string): boolean {
  const base = id.replace(/:\d+$/, '');
  let p = findResource(state.config, base)?.parent;
  while (p) {
    if (p.id === top) return true;
    p = findResource(state.config, p.id)?.parent;
  }
  return false;
}
