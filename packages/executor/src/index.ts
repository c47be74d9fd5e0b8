/**
 * @vigil/executor — the local resource manager: runs OCF, LSB, systemd and fence agents
 * unchanged; the fencer; the crm_* commands agents call.
 */
export { NodeProcessRunner } from './process/node-runner.js';
export {
  LauncherProcessRunner,
  AGENT_LAUNCHER_SCRIPT,
  type LauncherRunnerOptions,
} from './process/launcher-runner.js';
export {
  LauncherFrameReader,
  encodeStart,
  encodeForget,
  decodeWaitStatus,
  type LauncherEvent,
} from './process/launcher-protocol.js';

// --- executor (local resource manager), agent commands and their cluster port ---
export { Executor, type ExecutorEvent, type ExecutorOptions } from './executor.js';
export { PrefixProcessRunner } from './process/prefix-runner.js';
export {
  runAgentAction,
  systemdRunning,
  resolveService,
  ocfAgentPath,
  type ActionResult,
  type OperationSpec,
  type ResourceSpec,
} from './agents/run-action.js';
export {
  OCF_RC,
  EXEC_RC,
  rcName,
  isRunningRc,
  lsbStatusToOcf,
  type OcfRcName,
} from './agents/rc.js';
export {
  parseAgentRef,
  formatAgentRef,
  AGENT_CLASSES,
  type AgentRef,
  type AgentClass,
} from './agents/ref.js';
export {
  buildOcfEnv,
  notifyEnv,
  extractExitReason,
  CRM_FEATURE_SET,
  OCF_EXIT_REASON_PREFIX,
  type NotifyInfo,
  type NotifyEntry,
} from './agents/env.js';
export {
  parseAgentMetadata,
  declaredTimeoutMs,
  type AgentMetadata,
  type ParameterMeta,
  type ActionMeta,
} from './agents/metadata.js';
export { listAgents, type AgentListing } from './agents/list.js';
export { parseDurationMs } from './agents/duration.js';
export { parseXml, child, childrenNamed, type XmlElement } from './xml.js';
export {
  agentHostIn,
  ensureHostDirs,
  AGENT_BIN_DIR,
  DEFAULT_OCF_ROOT,
  type AgentHost,
} from './host.js';
export {
  baseResourceId,
  type ClusterQueryPort,
  type AttrRef,
  type AttrScope,
  type ClusterNode,
  type ResourceView,
  type ResourceRecord,
  type ResourceSection,
  type ResourceState,
} from './cluster/port.js';
export { FileClusterPort, type ClusterStateFile } from './cluster/file-port.js';
export {
  SocketClusterPort,
  serveClusterPort,
  MAX_PORT_MESSAGE_BYTES,
  MAX_PORT_CONNECTIONS,
} from './cluster/socket-port.js';
export { runTool, TOOLS, PACEMAKER_COMPAT_VERSION, type ToolIo } from './tools/commands.js';
// --- end executor block ---

// --- fencer (branch fencer): fence agents, topology, host maps, delays, verification, history ---
export * from './fencer/index.js';
