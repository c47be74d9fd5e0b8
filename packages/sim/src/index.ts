/**
 * @vigil/sim — the deterministic simulator: seeded ports (`SimClock`, `SimRandom`, `SimDisk`)
 * and whole Raft clusters of real cores with real storage, under faults, with invariant checkers.
 */
export { SimRandom } from './random.js';
export { SimWorld, SimClock } from './clock.js';
export { SimDisk, SimCrash } from './disk.js';
export { Checker, chainHash, INITIAL_HASH } from './checker.js';
export {
  RaftSimulation,
  simulate,
  TICK_MS,
  type SimOptions,
  type SimResult,
  type SimStats,
} from './cluster.js';
export { runSeeds, nodesForSeed, type SeedsSummary } from './run.js';
