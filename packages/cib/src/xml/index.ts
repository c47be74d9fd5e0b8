export * from './types.js';
export { parseXml, lineColOf, type ParseOptions, type SubtreeReader } from './parse.js';
export {
  serializeXml,
  serializeElement,
  escapeAttribute,
  escapeText,
  type SerializeOptions,
} from './serialize.js';
