/** @vigil/daemon — vigild: the node daemon that wires the ports to real I/O. */
export * from './config/index.js';
export { Vigild, type VigildOptions } from './node/vigild.js';
export { callDaemon } from './api/client.js';
export type { StatusView } from './node/views.js';
export { writeAuthkey, readAuthkey } from './net/authkey.js';
export * from './api/protocol.js';
export {
  LocalCluster,
  AGENTS_DIR,
  OCF_EXTRA_DIR,
  type LocalClusterOptions,
} from './local-cluster.js';
export {
  ClusterLink,
  messagingConfig,
  clusterIdOf,
  type ClusterLinkHooks,
  type RequestHandler,
} from './node/cluster-link.js';
export {
  ReplicatedState,
  cibModel,
  DEFAULT_CHECKPOINT_EVERY,
  MAX_ENTRY_BYTES,
  MAX_SNAPSHOT_BYTES,
  type StateModel,
  type LogPort,
  type Applied,
  type EntryMeta as ReplicatedEntryMeta,
} from './node/replicated-cib.js';
