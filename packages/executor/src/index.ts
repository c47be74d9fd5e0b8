/**
 * @vigil/executor — the local resource manager: runs OCF, LSB, systemd and fence agents
 * unchanged; the fencer; the crm_* commands agents call.
 */
export { NodeProcessRunner } from './process/node-runner.js';

// --- fencer (branch fencer): fence agents, topology, host maps, delays, verification, history ---
export * from './fencer/index.js';
