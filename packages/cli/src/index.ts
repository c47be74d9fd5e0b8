export { main, resolve, helpText } from './main.js';
export type { Command, Io } from './command.js';
export { COMMANDS } from './registry.js';
