/**
 * The controller's pure decision code: given the cluster's state and an event, what to do next.
 * Deterministic; the determinism lint applies to this directory.
 */
export * from './transition.js';
export * from './model.js';
export * from './config-model.js';
export * from './apply.js';
export * from './history.js';
export * from './scheduler-input.js';
export * from './plan.js';
export * from './cib-xml.js';
export * from './cib-fencing.js';
