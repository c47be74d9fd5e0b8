/**
 * @vigil/heartbeat — Messaging layer (Heartbeat/Corosync's job): UDP heartbeats on every link, failure detection, membership, quorum, and the shell that drives the Raft core over real sockets and disk.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/heartbeat';
