/**
 * @vigil/scheduler — Pure scheduler (Pacemaker's job): CIB + time in, explained transition graph out.
 */
export const PACKAGE = '@vigil/scheduler';
export { schedule, PHASES, type Transition, type ScheduleInput } from './schedule.js';
export type { CibElement } from './cib-tree.js';
export {
  formatSummaryLines,
  extractTransitionSummary,
  normaliseSummary,
  sameSummary,
  type SummaryLine,
} from './report/summary.js';
export { parseIsoDate } from './rules.js';
export { INFINITY, formatScore } from './score.js';
export type * from './working-set.js';
export {
  simulateText,
  scoreLines,
  extractExecutedActions,
  sameActionMultiset,
  topologicalActions,
} from './report/simulate.js';
export { explain, type Explanation, type Reason, type ReasonKind } from './report/explain.js';
export type { Plan } from './phases/actions.js';
export type { TransitionGraph, GraphAction, GraphEdge } from './phases/graph.js';
export { paramsDigest } from './md5.js';
