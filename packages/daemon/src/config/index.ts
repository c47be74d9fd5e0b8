export * from './schema.js';
export { parseClusterConfig, parseLink, type ConfigProblem } from './validate.js';
export { parseNodesArg, renderInitialConfig } from './render.js';
