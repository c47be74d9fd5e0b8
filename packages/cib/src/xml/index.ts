export * from './types.js';
export { parseXml, lineColOf } from './parse.js';
export {
  serializeXml,
  serializeElement,
  escapeAttribute,
  escapeText,
  type SerializeOptions,
} from './serialize.js';
