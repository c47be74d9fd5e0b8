/**
 * @vigil/scheduler — Pure scheduler (Pacemaker's job): CIB + time in, explained transition graph out.
 */
export const PACKAGE = '@vigil/scheduler';
export { schedule, PHASES, type Transition, type ScheduleInput } from './schedule.js';
export type { CibElement } from './cib-tree.js';
export { parseXmlLite } from './xml-lite.js';
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
