/**
 * @vigil/controller — the DC's logic: when to schedule, how to execute a transition graph across
 * nodes, how to react to results. Decision code lives in decide/ and is pure.
 */
export * from './decide/index.js';
