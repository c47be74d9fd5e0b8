/**
 * @vigil/heartbeat — the messaging layer (Heartbeat/Corosync's job): UDP heartbeats on every
 * link, failure detection, membership, quorum, and the shell that drives the Raft core over real
 * sockets and disk.
 */
export {
  MessagingNode,
  MSG_HEARTBEAT,
  MSG_RAFT,
  type MessagingEvent,
  type CommittedEntry,
  type NodeStatus,
  type PeerStats,
  type LinkStats,
  type StartOptions,
  type StateSnapshot,
} from './node.js';
export { MSG_APP, APP_INBOX_CAPACITY, type AppMessage, type AppStats } from './app-channel.js';
export { parseConfig, parseAddr, DEFAULTS, type MessagingConfig, type NodeSpec } from './config.js';
export { BoundedQueue } from './queue.js';
export { UdpTransport } from './udp.js';
export * from './core/index.js';
export {
  LargeMessages,
  MSG_FRAGMENT,
  MSG_FRAGMENT_ACK,
  FRAGMENT_WINDOW,
  MIN_FRAGMENT_WINDOW,
  windowFor,
  STALL_MS,
  RESTART_CHECK_MS,
  type FragmentStats,
} from './large-messages.js';
export { raftSizeLimits } from './large-raft.js';
