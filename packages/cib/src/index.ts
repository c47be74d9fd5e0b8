/**
 * @vigil/cib — the cluster information base: a typed model of Pacemaker's CIB, with a reader and
 * writer for its XML, validation with clear errors, and helpers to interpret it (scores, rules,
 * dates). Pure: file access lives in `src/io/` only (exported as `@vigil/cib/io`).
 */
export * from './model/types.js';
export {
  readCib,
  cibFromXml,
  validateCib,
  stripPositions,
  type ReadCibOptions,
  type ReadCibResult,
} from './model/reader.js';
export { scanStatus } from './model/status-scan.js';
export {
  writeCib,
  cibToXml,
  resourceToXml,
  constraintToXml,
  nvsetToXml,
  ruleToXml,
} from './model/writer.js';
export {
  type CibIssue,
  formatIssue,
  cibInvalidError,
  MAX_ISSUES_IN_MESSAGE,
} from './model/issues.js';
export * from './scores.js';
export * from './xml/index.js';
export * from './time.js';
export * from './roles.js';
export * from './rules.js';
export * from './nvsets.js';
export * from './cib-index.js';
