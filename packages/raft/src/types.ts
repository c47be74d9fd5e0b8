/**
 * Public types of the Raft core. Everything here is plain data: the shell (heartbeat) and the
 * simulator move these values between the core, the network and the disk.
 */

/** A node's identity: a short name such as `a` or `node-3` (1..64 bytes of UTF-8). */
export type NodeId = string;

/**
 * How a member takes part.
 * - `voter`: votes, stores the log, may lead, runs resources.
 * - `witness`: votes and stores the log like a voter (and may lead), but never runs resources.
 *   Lets a 2-node site add a third vote on a small machine.
 * - `learner`: stores the log, never votes or counts toward quorum; used to catch a new node up
 *   before promoting it.
 */
export type MemberRole = 'voter' | 'witness' | 'learner';

export interface Member {
  readonly id: NodeId;
  readonly role: MemberRole;
}

/** The cluster membership, members sorted by id. Voters and witnesses form the quorum. */
export interface Membership {
  readonly members: readonly Member[];
}

/**
 * A single-server membership change (Raft dissertation §4.1). At most one change is in flight
 * at a time; each takes effect on a node as soon as it is in that node's log.
 * - `addVoter`, `addWitness`, `addLearner`: a new member (or a learner promoted in place).
 * - `remove`: a member leaves; a leader that removes itself steps down once it is committed.
 */
export interface ConfChange {
  readonly type: 'addVoter' | 'addWitness' | 'addLearner' | 'remove';
  readonly id: NodeId;
}

/** A log entry. `index` starts at 1. A leader's first entry in its term is an empty `normal`. */
export type Entry =
  | {
      readonly kind: 'normal';
      readonly term: number;
      readonly index: number;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'conf';
      readonly term: number;
      readonly index: number;
      readonly change: ConfChange;
    };

/** State that must be on stable storage before messages of the same Ready are sent. */
export interface HardState {
  readonly term: number;
  /** The candidate this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** A snapshot of the application state machine at `index`, with the membership at that index. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly membership: Membership;
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state; emitted in a Ready whenever any field changes. */
export interface SoftState {
  readonly term: number;
  readonly role: Role;
  /** The leader this node knows for `term`, or null. */
  readonly leader: NodeId | null;
  /**
   * Quorum as this node sees it. Leader: a majority of voters (itself included) answered within
   * the last half election timeout; proposals fail with VGL_E_NO_QUORUM otherwise, and after a
   * whole election timeout without a majority the leader steps down (check-quorum). Follower: it
   * heard from a leader within the last election timeout. Candidates: false.
   */
  readonly hasQuorum: boolean;
}

/** A linearizable read is safe once the state machine has applied `index`. */
export interface ReadState {
  readonly requestId: string;
  readonly index: number;
}

export type MessageType =
  | 'preVote'
  | 'preVoteResp'
  | 'vote'
  | 'voteResp'
  | 'append'
  | 'appendResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'snapshot'
  | 'timeoutNow';

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term (for `preVote`, the term it would campaign in). */
  readonly term: number;
}

/** A request for a (pre-)vote. `lastIndex`/`lastTerm` describe the candidate's log. */
export interface VoteRequest extends MessageBase {
  readonly type: 'preVote' | 'vote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when the election follows a leadership transfer: it may disturb a live leader. */
  readonly transfer: boolean;
}

export interface VoteResponse extends MessageBase {
  readonly type: 'preVoteResp' | 'voteResp';
  readonly granted: boolean;
}

/** Entries after (`prevIndex`, `prevTerm`), and the leader's commit index. */
export interface AppendRequest extends MessageBase {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Success: the follower's log matches the leader's up to `index`.
 * Rejection: mismatch at `index` (the request's prevIndex); `hint` is the follower's last index,
 * so the leader can skip back at once.
 */
export interface AppendResponse extends MessageBase {
  readonly type: 'appendResp';
  readonly reject: boolean;
  readonly index: number;
  readonly hint: number;
}

/** Leader liveness; `readSeq` > 0 asks the follower to confirm leadership for a read round. */
export interface HeartbeatRequest extends MessageBase {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly readSeq: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: 'heartbeatResp';
  readonly readSeq: number;
}

/** A full snapshot for a follower that is behind the leader's compacted log. */
export interface SnapshotRequest extends MessageBase {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** Tells the transfer target to campaign at once (leadership transfer). */
export interface TimeoutNowRequest extends MessageBase {
  readonly type: 'timeoutNow';
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest
  | TimeoutNowRequest;

/**
 * What the shell must do, in this order:
 * 1. if `snapshot`: persist it and hand it to the state machine (replacing its state);
 * 2. persist `entries` (an entry at an index already stored replaces it and everything after);
 * 3. persist `hardState` if present; fsync if `mustSync`;
 * 4. send `messages`;
 * 5. apply `committedEntries` in order, then serve `readStates` once applied up to their index;
 * 6. call `advance(ready)`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  /** Membership as of the end of this node's log, when it changed (conf entries apply on append). */
  readonly membership?: Membership;
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

/** Replication state of one peer, as the leader tracks it. */
export interface PeerProgress {
  readonly id: NodeId;
  readonly role: MemberRole;
  /** Highest index known to be replicated on the peer. */
  readonly match: number;
  /** Next index the leader will send. */
  readonly next: number;
  /** `probe`: finding the match point; `replicate`: streaming; `snapshot`: awaiting install. */
  readonly state: 'probe' | 'replicate' | 'snapshot';
  /** Append messages in flight (bounded by `maxInflightMsgs`). */
  readonly inflight: number;
  /** Heard from within the last election timeout. */
  readonly recentActive: boolean;
}

/** Quorum state: what the issue calls "the API exposes quorum state". */
export interface QuorumStatus {
  readonly hasQuorum: boolean;
  /** Voters and witnesses: the members that count. */
  readonly voters: readonly NodeId[];
  /** Votes needed for a majority. */
  readonly needed: number;
  /** Leader only: voters heard from within the last election timeout (self included). */
  readonly active: readonly NodeId[];
}

export interface Status {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly membership: Membership;
  readonly quorum: QuorumStatus;
  /** Leader only: every other member's progress. */
  readonly progress: readonly PeerProgress[];
  /** Leader only: the node leadership is being transferred to. */
  readonly transferee: NodeId | null;
}

/** A source of randomness for election timeouts (the `Random` port fits). */
export interface RandomSource {
  /** A uniformly random integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
}

/** What survives a restart; loaded by `storage/` and passed back to `new RawNode`. */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | undefined;
  /** Entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly Entry[];
}

/**
 * Test-only faults that break Raft on purpose, so tests can prove the simulator's checkers
 * catch a broken core. Never set in production.
 */
export interface TestOnlyFaults {
  /** Grant every vote request, even after voting for someone else in the same term. */
  readonly voteTwice?: boolean;
  /** The leader commits entries as soon as it appends them, without a majority. */
  readonly commitWithoutQuorum?: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  /**
   * Membership for a brand-new cluster (every founding node gets the same list). Used only
   * when `restore` is absent or empty; a node joining an existing cluster passes an empty list
   * and learns its membership from the leader.
   */
  readonly initialMembership?: Membership;
  /** Durable state loaded from storage after a restart. */
  readonly restore?: PersistedState;
  /** Last index the state machine applied (its snapshot's index when it reloads from one). */
  readonly applied?: number;
  /** Randomized election timeout is in [electionTicks, 2*electionTicks). Default 10. */
  readonly electionTicks?: number;
  /** Leader heartbeat interval. Default 1. Must be < electionTicks. */
  readonly heartbeatTicks?: number;
  /** Seeded randomness for election timeouts. Default: a PRNG seeded from `seed`. */
  readonly random?: RandomSource;
  /** Seed for the built-in PRNG when `random` is absent. Default: derived from `id`. */
  readonly seed?: number;
  /** Default true. */
  readonly preVote?: boolean;
  /** Default true. */
  readonly checkQuorum?: boolean;
  /** Append messages in flight per peer. Default 64. */
  readonly maxInflightMsgs?: number;
  /** Upper bound of entry bytes in one append message (at least one entry is sent). Default 32 KiB. */
  readonly maxBatchBytes?: number;
  /** Largest entry payload accepted by propose. Default 16 KiB. */
  readonly maxEntryBytes?: number;
  /** Bound on the bytes of entries the leader holds uncommitted. Default 1 MiB. */
  readonly maxUncommittedBytes?: number;
  readonly testOnlyFaults?: TestOnlyFaults;
}
