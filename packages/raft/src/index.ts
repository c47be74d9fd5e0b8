/**
 * @vigil/raft — Pure Raft consensus core (tick/step/ready/advance): pre-vote, check-quorum, replication, snapshots, leadership transfer, read-index, membership changes.
 *
 * Entry point. The subsystem is built by its own issue; see ARCHITECTURE.md.
 */
export const PACKAGE = '@vigil/raft';
