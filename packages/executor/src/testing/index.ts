/** @vigil/executor/testing — the simulated ProcessRunner and scripted agents for the simulator. */
export {
  SimulatedProcessRunner,
  SimulatedOcfAgent,
  MAX_SIMULATED_CALLS,
  type SimulatedBehaviour,
  type SimulatedCall,
  type SimulatedOutcome,
  type SimulatedOcfTimings,
  type SimulatedRole,
} from './simulated-runner.js';
