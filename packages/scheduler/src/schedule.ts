/**
 * The scheduler: a flat pipeline of named phases over one working set. Pure and deterministic:
 * the CIB document and the effective time in, the transition (graph, summary, explanations) out.
 */
import { cibToXml, type Cib, type NodeState } from '@vigil/cib';
import type { CibElement } from './cib-tree.js';
import type { SummaryLine } from './report/summary.js';
import type { WorkingSet } from './working-set.js';
import { historyFromModel, unpack } from './phases/unpack.js';
import { applyNodeCriteria } from './phases/node-criteria.js';
import { assignAll } from './phases/assign.js';
import { createActions, type ActionsResult } from './phases/actions.js';
import { applyOrdering } from './phases/order.js';
import { buildGraph, buildSummary, type TransitionGraph } from './phases/graph.js';

export interface Transition {
  readonly ws: WorkingSet;
  readonly actions: ActionsResult;
  readonly graph: TransitionGraph;
  readonly summary: SummaryLine[];
}

export interface ScheduleInput {
  /** The typed CIB model from `@vigil/cib`, or its XML element tree. */
  readonly cib: Cib | CibElement;
  /** Effective time, seconds since the epoch (UTC). */
  readonly nowSec: number;
}

/** The phases, in order; each reads and refines the working set. */
export const PHASES = [
  'unpack',
  'apply-node-criteria',
  'assign',
  'create-actions',
  'order',
  'build-graph',
] as const;

function withoutLrm(ns: NodeState): NodeState {
  if (ns.lrm === undefined) return ns;
  const { lrm: _lrm, ...rest } = ns;
  return rest;
}

export function schedule(input: ScheduleInput): Transition {
  let ws: WorkingSet;
  if ('configuration' in input.cib) {
    // The operation history (most of a large CIB) goes to unpack straight from the model; only
    // the rest is turned into the element tree unpack reads.
    const cib = input.cib;
    const light: Cib = {
      ...cib,
      status: { ...cib.status, nodeStates: cib.status.nodeStates.map(withoutLrm) },
    };
    ws = unpack(cibToXml(light), input.nowSec, historyFromModel(cib.status));
  } else ws = unpack(input.cib, input.nowSec);
  applyNodeCriteria(ws);
  assignAll(ws);
  const actions = createActions(ws);
  applyOrdering(ws, actions.plans);
  const graph = buildGraph(ws, actions);
  const summary = buildSummary(ws, actions);
  return { ws, actions, graph, summary };
}
