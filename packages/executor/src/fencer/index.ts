export { AgentFencer, type AgentFencerOptions, type FenceOutcome } from './fencer.js';
export {
  parseDevice,
  effectiveHostCheck,
  plugFor,
  DEFAULT_ACTION_TIMEOUT_MS,
  type FenceDevice,
  type FenceDeviceSpec,
  type HostCheck,
  type DeviceAction,
} from './device.js';
export {
  parseTopology,
  levelsFor,
  MAX_LEVEL_INDEX,
  type FenceLevel,
  type FenceLevelSpec,
} from './topology.js';
export {
  FenceHistory,
  type FenceHistoryEntry,
  type DeviceAttempt,
  type HistoryQuery,
} from './history.js';
export {
  parseHostMap,
  parseHostList,
  parseFenceDurationMs,
  parseDelaySpec,
  type DelaySpec,
} from './host-map.js';
export {
  encodeStdin,
  parseParamWords,
  parseListOutput,
  statusFromRc,
  isAgentAction,
  AGENT_ACTIONS,
  type AgentAction,
  type StdinRequest,
  type PowerState,
  type ListedPlug,
} from './protocol.js';
export {
  runAgent,
  resolveAgent,
  fetchMetadata,
  summarizeOutput,
  AGENT_ENV,
  BUILTIN_AGENT_DIR,
  DEFAULT_AGENT_DIRS,
  type AgentRun,
} from './agent.js';
export {
  parseFenceMetadata,
  hostArgumentOf,
  type FenceAgentMetadata,
  type FenceParameter,
} from './metadata.js';
