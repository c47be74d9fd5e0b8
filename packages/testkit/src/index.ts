export { run, runOk, killGroup, isAlive, type RunOptions, type RunResult } from './process.js';
export { waitFor, type WaitOptions } from './wait.js';
export { tempDir, type TempDir } from './tmp.js';
export { needs, which, type Requirement } from './needs.js';
export { Netns, NetnsLan } from './netns.js';
export { pacemakerPlan, type PacemakerPlan } from './crm-simulate.js';
