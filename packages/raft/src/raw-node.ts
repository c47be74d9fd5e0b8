import { assert, VigilError } from '@vigil/base';
import { entryBytes, RaftLog } from './log.js';
import {
  applyChange,
  EMPTY_MEMBERSHIP,
  majority,
  memberOf,
  sameMembership,
  validateChange,
  votersOf,
} from './membership.js';
import { hashString, Sfc32 } from './prng.js';
import { Progress } from './progress.js';
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  Entry,
  HardState,
  HeartbeatRequest,
  HeartbeatResponse,
  Membership,
  Message,
  NodeId,
  PeerProgress,
  RaftConfig,
  RandomSource,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotRequest,
  SoftState,
  Status,
  TestOnlyFaults,
  VoteRequest,
  VoteResponse,
} from './types.js';

/** Where a proposal landed in the log. It is committed when it shows up in `committedEntries`. */
export interface Proposed {
  readonly index: number;
  readonly term: number;
}

/** Bounds that are not configurable. */
const MAX_PENDING_READS = 4096;
const MAX_COMMITTED_BYTES_PER_READY = 1024 * 1024;

interface PendingRead {
  readonly requestId: string;
  readonly index: number;
  readonly seq: number;
  readonly acks: Set<NodeId>;
}

/**
 * The Raft state machine for one node (etcd RawNode style). It never does I/O: the caller feeds
 * it `tick()` and `step(message)`, asks `ready()` for what to persist, send and apply, does it,
 * then calls `advance(ready)`. Deterministic given its config (seed) and inputs.
 */
export class RawNode {
  readonly id: NodeId;
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxInflight: number;
  private readonly maxBatchBytes: number;
  private readonly maxEntryBytes: number;
  private readonly maxUncommittedBytes: number;
  private readonly random: RandomSource;
  private readonly faults: TestOnlyFaults;

  private term = 0;
  private vote: NodeId | null = null;
  private role: Role = 'follower';
  private leader: NodeId | null = null;
  private readonly log = new RaftLog();
  /** Membership by log position: the first is the base (snapshot or empty), then conf entries. */
  private confs: { index: number; membership: Membership }[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout = 0;
  private votes = new Map<NodeId, boolean>();
  private progress = new Map<NodeId, Progress>();
  private leaderQuorumOk = false;
  private transferee: NodeId | null = null;
  private pendingConfIndex = 0;
  private uncommittedBytes = 0;
  private readSeq = 0;
  private pendingReads: PendingRead[] = [];
  /** Reads asked before this leader committed an entry of its term. */
  private waitingReads: string[] = [];
  private readStates: ReadState[] = [];
  private msgs: Message[] = [];

  private prevSoft: SoftState;
  private prevHard: HardState;
  private prevMembership: Membership;

  constructor(config: RaftConfig) {
    this.id = config.id;
    if (typeof config.id !== 'string' || config.id.length === 0 || config.id.length > 64) {
      throw new VigilError('VGL_E_CONFIG', `raft: node id must be 1..64 characters`, {
        id: config.id,
      });
    }
    this.electionTicks = config.electionTicks ?? 10;
    this.heartbeatTicks = config.heartbeatTicks ?? 1;
    if (!(this.heartbeatTicks >= 1 && this.electionTicks > this.heartbeatTicks)) {
      throw new VigilError('VGL_E_CONFIG', 'raft: need 1 <= heartbeatTicks < electionTicks', {
        electionTicks: this.electionTicks,
        heartbeatTicks: this.heartbeatTicks,
      });
    }
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxInflight = config.maxInflightMsgs ?? 64;
    this.maxBatchBytes = config.maxBatchBytes ?? 32 * 1024;
    this.maxEntryBytes = config.maxEntryBytes ?? 16 * 1024;
    this.maxUncommittedBytes = config.maxUncommittedBytes ?? 1024 * 1024;
    if (this.maxInflight < 1 || this.maxBatchBytes < 1 || this.maxEntryBytes < 1) {
      throw new VigilError('VGL_E_CONFIG', 'raft: flow-control limits must be positive');
    }
    this.random = config.random ?? new Sfc32(config.seed ?? hashString(config.id));
    this.faults = config.testOnlyFaults ?? {};

    const r = config.restore;
    const fresh =
      r === undefined ||
      (r.snapshot === undefined && r.entries.length === 0 && r.hardState.term === 0);
    if (fresh) {
      this.confs = [{ index: 0, membership: EMPTY_MEMBERSHIP }];
      this.bootstrap(config.initialMembership ?? EMPTY_MEMBERSHIP);
    } else {
      const snap = r.snapshot;
      if (snap) {
        this.log.snapshot = snap;
        this.log.baseIndex = snap.index;
        this.log.baseTerm = snap.term;
        this.confs = [{ index: snap.index, membership: snap.membership }];
      } else {
        this.confs = [{ index: 0, membership: EMPTY_MEMBERSHIP }];
      }
      let expect = this.log.baseIndex + 1;
      for (const e of r.entries) {
        if (e.index !== expect) {
          throw new VigilError(
            'VGL_E_INVALID_INPUT',
            `raft restore: entry ${e.index} where ${expect} was expected`,
          );
        }
        expect++;
        this.log.entries.push(e);
        this.noteConf(e);
      }
      this.log.stable = this.log.lastIndex();
      this.term = r.hardState.term;
      this.vote = r.hardState.vote;
      this.log.commit = Math.max(
        this.log.baseIndex,
        Math.min(r.hardState.commit, this.log.lastIndex()),
      );
      const applied = config.applied ?? this.log.baseIndex;
      this.log.applied = Math.min(Math.max(applied, this.log.baseIndex), this.log.commit);
      this.log.applying = this.log.applied;
    }
    this.resetRandomizedTimeout();
    this.prevSoft = this.softState();
    this.prevHard = fresh ? { term: 0, vote: null, commit: 0 } : this.hardState();
    this.prevMembership = fresh ? EMPTY_MEMBERSHIP : this.membership();
  }

  /** A founding node writes the membership as conf entries 1..n at term 1, all committed. */
  private bootstrap(m: Membership): void {
    if (m.members.length === 0) return;
    let index = 0;
    let cur = EMPTY_MEMBERSHIP;
    for (const mem of m.members) {
      const change: ConfChange = {
        type:
          mem.role === 'voter' ? 'addVoter' : mem.role === 'witness' ? 'addWitness' : 'addLearner',
        id: mem.id,
      };
      validateChange(cur, change);
      cur = applyChange(cur, change);
      index++;
      const e: Entry = { kind: 'conf', term: 1, index, change };
      this.log.entries.push(e);
      this.noteConf(e);
    }
    this.term = 1;
    this.log.commit = index;
  }

  // ---------------------------------------------------------------- public API

  /** Advances logical time by one tick (the shell calls it every tickMs). */
  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Feeds a message from a peer. Messages for another node or malformed ones are rejected. */
  step(msg: Message): void {
    if (msg.to !== this.id) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `raft: message for ${msg.to} stepped into ${this.id}`,
      );
    }
    if (!Number.isSafeInteger(msg.term) || msg.term < 0) {
      throw new VigilError('VGL_E_INVALID_INPUT', `raft: bad term in ${msg.type} from ${msg.from}`);
    }
    if (msg.from === this.id) return;
    if (msg.term > this.term) {
      if (!this.onHigherTerm(msg)) return;
    } else if (msg.term < this.term) {
      this.onLowerTerm(msg);
      return;
    }
    this.stepCurrent(msg);
  }

  /** Appends `data` as a new entry. Throws VGL_E_NOT_LEADER, VGL_E_NO_QUORUM, VGL_E_LIMIT… */
  propose(data: Uint8Array): Proposed {
    if (data.length > this.maxEntryBytes) {
      throw new VigilError(
        'VGL_E_LIMIT',
        `raft: entry of ${data.length} bytes exceeds ${this.maxEntryBytes}`,
        {
          bytes: data.length,
          maxEntryBytes: this.maxEntryBytes,
        },
      );
    }
    this.checkCanPropose();
    const e: Entry = { kind: 'normal', term: this.term, index: this.log.lastIndex() + 1, data };
    this.checkUncommitted(entryBytes(e));
    this.appendLeader([e]);
    return { index: e.index, term: e.term };
  }

  /** Proposes a single-server membership change. One at a time (VGL_E_CONFLICT otherwise). */
  proposeConfChange(change: ConfChange): Proposed {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.commit) {
      throw new VigilError('VGL_E_CONFLICT', 'raft: a membership change is already in progress', {
        pendingIndex: this.pendingConfIndex,
      });
    }
    if (this.log.term(this.log.commit) !== this.term) {
      throw new VigilError(
        'VGL_E_CONFLICT',
        'raft: the new leader has not committed an entry of its term yet',
      );
    }
    validateChange(this.membership(), change);
    const e: Entry = { kind: 'conf', term: this.term, index: this.log.lastIndex() + 1, change };
    this.checkUncommitted(entryBytes(e));
    this.appendLeader([e]);
    this.pendingConfIndex = e.index;
    return { index: e.index, term: e.term };
  }

  /** Hands leadership to `to` (a voter or witness); it catches up, then gets TimeoutNow. */
  transferLeadership(to: NodeId): void {
    this.checkLeader();
    if (to === this.id) return;
    const m = memberOf(this.membership(), to);
    if (!m || m.role === 'learner') {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `raft: cannot transfer leadership to ${to}: not a voter`,
        { to },
      );
    }
    if (this.transferee === to) return;
    this.transferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex())
      this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
    else this.sendAppend(to, true); // an empty append finds where the target really is
  }

  /** Starts a linearizable read; a ReadState with `requestId` follows in a later Ready. */
  readIndex(requestId: string): void {
    this.checkLeader();
    if (this.pendingReads.length + this.waitingReads.length >= MAX_PENDING_READS) {
      throw new VigilError('VGL_E_LIMIT', `raft: more than ${MAX_PENDING_READS} reads pending`);
    }
    if (this.log.term(this.log.commit) !== this.term) {
      this.waitingReads.push(requestId);
      return;
    }
    this.startRead(requestId);
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    if (this.role !== 'leader') this.hup(false);
  }

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.lastIndex() > this.log.stable ||
      Math.min(this.log.commit, this.log.lastIndex()) > this.log.applying ||
      !sameHard(this.prevHard, this.hardState()) ||
      !sameSoft(this.prevSoft, this.softState()) ||
      !sameMembership(this.prevMembership, this.membership())
    );
  }

  ready(): Ready {
    const soft = this.softState();
    const hard = this.hardState();
    const membership = this.membership();
    const entries = this.log.entries.slice(this.log.stable - this.log.baseIndex);
    const committedEntries = this.log.nextCommitted(MAX_COMMITTED_BYTES_PER_READY);
    const last = committedEntries[committedEntries.length - 1];
    if (last) this.log.applying = last.index;
    const changedHard = !sameHard(this.prevHard, hard);
    const rd: Ready = {
      ...(sameSoft(this.prevSoft, soft) ? {} : { softState: soft }),
      ...(changedHard ? { hardState: hard } : {}),
      ...(sameMembership(this.prevMembership, membership) ? {} : { membership }),
      ...(this.log.pendingSnapshot ? { snapshot: this.log.pendingSnapshot } : {}),
      entries,
      committedEntries,
      messages: this.msgs,
      readStates: this.readStates,
      mustSync:
        entries.length > 0 ||
        this.log.pendingSnapshot !== undefined ||
        (changedHard && (hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote)),
    };
    this.prevSoft = soft;
    this.prevHard = hard;
    this.prevMembership = membership;
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  /** Acknowledges that everything in `ready` was persisted, sent and applied. */
  advance(rd: Ready): void {
    if (rd.snapshot) {
      if (this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = undefined;
      this.log.applied = Math.max(this.log.applied, rd.snapshot.index);
      this.log.stable = Math.max(this.log.stable, rd.snapshot.index);
    }
    const lastNew = rd.entries[rd.entries.length - 1];
    if (lastNew && this.log.term(lastNew.index) === lastNew.term) {
      this.log.stable = Math.max(this.log.stable, lastNew.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) this.log.applied = Math.max(this.log.applied, lastApplied.index);
    // A leader counts its own log only once it is on disk.
    const self = this.progress.get(this.id);
    if (this.role === 'leader' && self && this.log.stable > self.match) {
      self.maybeUpdate(this.log.stable);
      if (this.maybeCommit()) this.broadcastAppend();
    }
  }

  /**
   * Records a snapshot of the state machine at `index` (≤ applied) and drops log entries up to
   * it from memory. The caller persists the returned snapshot with the storage.
   */
  createSnapshot(index: number, data: Uint8Array): Snapshot {
    if (!Number.isSafeInteger(index) || index <= this.log.baseIndex || index > this.log.applied) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `raft: snapshot index ${index} must be in (${this.log.baseIndex}, ${this.log.applied}]`,
      );
    }
    const s: Snapshot = {
      index,
      term: this.log.term(index)!,
      membership: this.membershipAt(index),
      data,
    };
    this.log.compact(s);
    const keep = this.confs.filter((c) => c.index > index);
    this.confs = [{ index, membership: s.membership }, ...keep];
    return s;
  }

  status(): Status {
    const m = this.membership();
    const voters = votersOf(m);
    const active =
      this.role === 'leader'
        ? voters.filter(
            (v) =>
              v === this.id || (this.progress.get(v)?.silentTicks ?? Infinity) < this.electionTicks,
          )
        : [];
    const progress: PeerProgress[] =
      this.role === 'leader'
        ? [...this.progress.values()]
            .filter((p) => p.id !== this.id && p.removedAt === 0)
            .map((p) => ({
              id: p.id,
              role: p.role,
              match: p.match,
              next: p.next,
              state: p.state,
              inflight: p.inflight.length,
              recentActive: p.silentTicks < this.electionTicks,
            }))
        : [];
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      role: this.role,
      leader: this.leader,
      commit: this.log.commit,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      membership: m,
      quorum: { hasQuorum: this.hasQuorum(), voters, needed: majority(voters.length), active },
      progress,
      transferee: this.transferee,
    };
  }

  /** The log entry at `index` if it is in memory (for checkers and tests). */
  entryAt(index: number): Entry | undefined {
    return this.log.entry(index);
  }

  // ---------------------------------------------------------------- state

  private membership(): Membership {
    return this.confs[this.confs.length - 1]!.membership;
  }

  private membershipAt(index: number): Membership {
    let m = this.confs[0]!.membership;
    for (const c of this.confs) if (c.index <= index) m = c.membership;
    return m;
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.commit };
  }

  private hasQuorum(): boolean {
    if (this.role === 'leader') return this.leaderQuorumOk;
    return (
      this.role === 'follower' && this.leader !== null && this.electionElapsed < this.electionTicks
    );
  }

  private softState(): SoftState {
    return { term: this.term, role: this.role, leader: this.leader, hasQuorum: this.hasQuorum() };
  }

  private promotable(): boolean {
    const me = memberOf(this.membership(), this.id);
    return me !== undefined && me.role !== 'learner' && this.log.pendingSnapshot === undefined;
  }

  private resetRandomizedTimeout(): void {
    this.randomizedTimeout = this.random.int(this.electionTicks, 2 * this.electionTicks);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedTimeout();
    this.votes = new Map();
    this.progress = new Map();
    this.transferee = null;
    this.pendingReads = [];
    this.waitingReads = [];
    this.leaderQuorumOk = false;
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    // Pre-vote changes neither term nor vote: a node cut off by a partition cannot raise the term.
    this.votes = new Map();
    this.role = 'preCandidate';
    this.leader = null;
    this.electionElapsed = 0;
    this.resetRandomizedTimeout();
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.leaderQuorumOk = true;
    this.uncommittedBytes = 0;
    const next = this.log.lastIndex() + 1;
    for (const m of this.membership().members) {
      const p = new Progress(m.id, m.role, next);
      if (m.id === this.id) {
        p.match = this.log.stable;
        p.state = 'replicate';
      }
      this.progress.set(m.id, p);
    }
    // Any conf entry not yet committed may still be in the log: treat it as pending.
    this.pendingConfIndex = this.log.lastIndex();
    this.appendLeader([{ kind: 'normal', term: this.term, index: next, data: new Uint8Array(0) }]);
  }

  private noteConf(e: Entry): void {
    if (e.kind !== 'conf') return;
    const next = applyChange(this.membership(), e.change);
    this.confs.push({ index: e.index, membership: next });
  }

  /** After a log suffix from `index` was replaced, forget the conf entries it held. */
  private dropConfsFrom(index: number): void {
    while (this.confs.length > 1 && this.confs[this.confs.length - 1]!.index >= index)
      this.confs.pop();
  }

  private appendEntries(es: readonly Entry[], truncated: number): void {
    if (truncated >= 0) this.dropConfsFrom(truncated);
    for (const e of es) if (e.index > this.confs[this.confs.length - 1]!.index) this.noteConf(e);
    if (this.role === 'leader') this.syncProgressWithMembership();
  }

  private syncProgressWithMembership(): void {
    const m = this.membership();
    for (const mem of m.members) {
      const p = this.progress.get(mem.id);
      if (p) {
        p.role = mem.role;
        p.removedAt = 0;
      } else this.progress.set(mem.id, new Progress(mem.id, mem.role, this.log.lastIndex()));
    }
    const confIndex = this.confs[this.confs.length - 1]!.index;
    for (const p of this.progress.values()) {
      if (p.id !== this.id && p.removedAt === 0 && !memberOf(m, p.id)) p.removedAt = confIndex;
    }
    if (this.transferee !== null && !memberOf(m, this.transferee)) this.transferee = null;
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedTimeout && this.promotable()) {
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const p of this.progress.values()) {
      if (p.state === 'snapshot' && ++p.snapshotTicks >= this.electionTicks) {
        p.becomeProbe();
        p.next = p.match + 1;
        this.sendAppend(p.id);
      }
    }
    for (const p of [...this.progress.values()]) {
      if (p.id === this.id) continue;
      p.silentTicks++;
      // A removed peer that stays silent is given up on.
      if (p.removedAt > 0 && p.silentTicks >= 10 * this.electionTicks) this.progress.delete(p.id);
    }
    // Check-quorum: step down once a majority was silent for a whole election timeout. Before
    // that, after half of one, refuse proposals with VGL_E_NO_QUORUM.
    if (this.checkQuorum && !this.quorumHeardWithin(this.electionTicks)) {
      this.becomeFollower(this.term, null);
      return;
    }
    this.leaderQuorumOk = this.quorumHeardWithin(
      Math.max(2 * this.heartbeatTicks, Math.ceil(this.electionTicks / 2)),
    );
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.transferee !== null) this.transferee = null;
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** Did a majority of voters (self included) answer within the last `ticks` ticks? */
  private quorumHeardWithin(ticks: number): boolean {
    const voters = votersOf(this.membership());
    let n = 0;
    for (const v of voters) {
      const p = this.progress.get(v);
      if (v === this.id || (p !== undefined && p.silentTicks < ticks)) n++;
    }
    return n >= majority(voters.length);
  }

  // ---------------------------------------------------------------- elections

  /** An election timeout or TimeoutNow (`transfer`, which skips pre-vote and leases). */
  private hup(transfer: boolean): void {
    if (!this.promotable()) return;
    if (this.log.commit > this.log.applying && this.hasUnappliedConf()) return;
    if (this.preVote && !transfer) {
      this.becomePreCandidate();
      this.collectVote(this.id, true);
      if (this.role !== 'preCandidate') return;
      this.requestVotes('preVote', this.term + 1, false);
    } else {
      this.startElection(transfer);
    }
  }

  private startElection(transfer: boolean): void {
    this.becomeCandidate();
    this.collectVote(this.id, true);
    if (this.role !== 'candidate') return;
    this.requestVotes('vote', this.term, transfer);
  }

  private hasUnappliedConf(): boolean {
    for (let i = this.log.applying + 1; i <= this.log.commit; i++) {
      if (this.log.entry(i)?.kind === 'conf') return true;
    }
    return false;
  }

  private requestVotes(type: 'preVote' | 'vote', term: number, transfer: boolean): void {
    for (const v of votersOf(this.membership())) {
      if (v === this.id) continue;
      this.send({
        type,
        from: this.id,
        to: v,
        term,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        transfer,
      });
    }
  }

  /** Records a vote; promotes or gives up once the outcome is known. */
  private collectVote(from: NodeId, granted: boolean): void {
    const voters = votersOf(this.membership());
    if (!voters.includes(from)) return;
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const v of voters) {
      const g = this.votes.get(v);
      if (g === true) yes++;
      else if (g === false) no++;
    }
    const need = majority(voters.length);
    if (yes >= need) {
      if (this.role === 'preCandidate') this.startElection(false);
      else this.becomeLeader();
    } else if (no > voters.length - need) {
      this.becomeFollower(this.term, null);
    }
  }

  /** Returns false when the message must be dropped without changing the term. */
  private onHigherTerm(msg: Message): boolean {
    if (msg.type === 'preVote' || msg.type === 'vote') {
      const inLease =
        this.checkQuorum && this.leader !== null && this.electionElapsed < this.electionTicks;
      if (!msg.transfer && inLease && !this.faults.voteTwice) return false;
      if (msg.type === 'preVote') return true; // answer without changing our term
      this.becomeFollower(msg.term, null);
      return true;
    }
    if (msg.type === 'preVoteResp' && msg.granted) return true;
    const leader =
      msg.type === 'append' || msg.type === 'heartbeat' || msg.type === 'snapshot'
        ? msg.from
        : null;
    this.becomeFollower(msg.term, leader);
    return true;
  }

  private onLowerTerm(msg: Message): void {
    if (msg.type === 'append' || msg.type === 'heartbeat') {
      // A stale leader (e.g. back from a partition) learns our term and steps down.
      this.send({
        type: 'appendResp',
        from: this.id,
        to: msg.from,
        term: this.term,
        reject: true,
        index: 0,
        hint: 0,
      });
    } else if (msg.type === 'preVote') {
      this.send({
        type: 'preVoteResp',
        from: this.id,
        to: msg.from,
        term: this.term,
        granted: false,
      });
    }
  }

  private stepCurrent(msg: Message): void {
    switch (msg.type) {
      case 'preVote':
      case 'vote':
        this.handleVoteRequest(msg);
        return;
      case 'preVoteResp':
        if (this.role === 'preCandidate') this.collectVote(msg.from, msg.granted);
        return;
      case 'voteResp':
        if (this.role === 'candidate') this.collectVote(msg.from, msg.granted);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
      case 'timeoutNow':
        if (this.role === 'leader') return; // impossible at one term: at most one leader
        if (this.role !== 'follower') this.becomeFollower(this.term, msg.from);
        this.leader = msg.from;
        this.electionElapsed = 0;
        if (msg.type === 'append') this.handleAppend(msg);
        else if (msg.type === 'heartbeat') this.handleHeartbeat(msg);
        else if (msg.type === 'snapshot') this.handleSnapshot(msg);
        else this.hup(true);
        return;
      case 'appendResp':
        if (this.role === 'leader') this.handleAppendResp(msg);
        return;
      case 'heartbeatResp':
        if (this.role === 'leader') this.handleHeartbeatResp(msg);
        return;
    }
  }

  private handleVoteRequest(msg: VoteRequest): void {
    const pre = msg.type === 'preVote';
    const canVote =
      this.vote === msg.from ||
      (this.vote === null && this.leader === null) ||
      (pre && msg.term > this.term) ||
      this.faults.voteTwice === true;
    const granted = canVote && this.log.isUpToDate(msg.lastIndex, msg.lastTerm);
    if (granted && !pre) {
      this.vote = msg.from;
      this.electionElapsed = 0;
    }
    const resp: VoteResponse = {
      type: pre ? 'preVoteResp' : 'voteResp',
      from: this.id,
      to: msg.from,
      term: granted && pre ? msg.term : this.term,
      granted,
    };
    this.send(resp);
  }

  // ---------------------------------------------------------------- follower

  private handleAppend(msg: AppendRequest): void {
    const reply = (reject: boolean, index: number, hint: number): void =>
      this.send({
        type: 'appendResp',
        from: this.id,
        to: msg.from,
        term: this.term,
        reject,
        index,
        hint,
      });
    if (msg.prevIndex < this.log.commit) {
      reply(false, this.log.commit, 0);
      return;
    }
    const r = this.log.maybeAppend(msg.prevIndex, msg.prevTerm, msg.entries);
    if (!r) {
      reply(
        true,
        msg.prevIndex,
        this.log.conflictHint(Math.min(msg.prevIndex - 1, this.log.lastIndex()), msg.prevTerm),
      );
      return;
    }
    this.appendEntries(msg.entries, r.truncated);
    this.log.commitTo(Math.min(msg.commit, r.last));
    reply(false, r.last, 0);
  }

  private handleHeartbeat(msg: HeartbeatRequest): void {
    this.log.commitTo(msg.commit);
    const resp: HeartbeatResponse = {
      type: 'heartbeatResp',
      from: this.id,
      to: msg.from,
      term: this.term,
      readSeq: msg.readSeq,
    };
    this.send(resp);
  }

  private handleSnapshot(msg: SnapshotRequest): void {
    const s = msg.snapshot;
    const reply = (index: number): void =>
      this.send({
        type: 'appendResp',
        from: this.id,
        to: msg.from,
        term: this.term,
        reject: false,
        index,
        hint: 0,
      });
    if (s.index <= this.log.commit) {
      reply(this.log.commit);
      return;
    }
    if (this.log.matchTerm(s.index, s.term)) {
      this.log.commitTo(s.index);
      reply(s.index);
      return;
    }
    this.log.restore(s);
    this.confs = [{ index: s.index, membership: s.membership }];
    reply(s.index);
  }

  // ---------------------------------------------------------------- leader

  private checkLeader(): void {
    if (this.role !== 'leader') {
      throw new VigilError('VGL_E_NOT_LEADER', `raft: ${this.id} is not the leader`, {
        leader: this.leader,
        term: this.term,
      });
    }
  }

  private checkCanPropose(): void {
    this.checkLeader();
    if (!this.leaderQuorumOk) {
      throw new VigilError(
        'VGL_E_NO_QUORUM',
        `raft: leader ${this.id} lost contact with a majority`,
        {
          term: this.term,
        },
      );
    }
    if (this.transferee !== null) {
      throw new VigilError(
        'VGL_E_UNAVAILABLE',
        `raft: leadership is moving to ${this.transferee}`,
        {
          transferee: this.transferee,
        },
      );
    }
  }

  private checkUncommitted(bytes: number): void {
    if (this.uncommittedBytes + bytes > this.maxUncommittedBytes) {
      throw new VigilError(
        'VGL_E_LIMIT',
        `raft: more than ${this.maxUncommittedBytes} bytes uncommitted`,
        {
          uncommittedBytes: this.uncommittedBytes,
        },
      );
    }
  }

  private appendLeader(es: Entry[]): void {
    const truncated = this.log.append(es);
    this.appendEntries(es, truncated);
    for (const e of es) this.uncommittedBytes += entryBytes(e);
    // Our own match advances only once the entries are stable (see advance()), unless a test
    // fault commits without a majority.
    if (this.faults.commitWithoutQuorum) this.log.commitTo(this.log.lastIndex());
    this.maybeCommit();
    this.broadcastAppend();
  }

  private maybeCommit(): boolean {
    const voters = votersOf(this.membership());
    if (voters.length === 0) return false;
    const matches = voters.map((v) => this.progress.get(v)?.match ?? 0).sort((a, b) => b - a);
    const q = matches[majority(voters.length) - 1]!;
    const old = this.log.commit;
    if (q <= old || this.log.term(q) !== this.term) return false;
    this.log.commitTo(q);
    for (let i = old + 1; i <= q; i++) {
      const e = this.log.entry(i);
      if (e) this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entryBytes(e));
    }
    this.onCommitAdvanced();
    return true;
  }

  private onCommitAdvanced(): void {
    if (this.waitingReads.length > 0 && this.log.term(this.log.commit) === this.term) {
      const waiting = this.waitingReads;
      this.waitingReads = [];
      for (const id of waiting) this.startRead(id);
    }
    // A leader removed from the membership steps down once the removal is committed.
    if (
      !memberOf(this.membership(), this.id) &&
      this.log.commit >= this.confs[this.confs.length - 1]!.index
    ) {
      this.becomeFollower(this.term, null);
    }
  }

  private startRead(requestId: string): void {
    const voters = votersOf(this.membership());
    if (voters.length === 1 && voters[0] === this.id) {
      this.readStates.push({ requestId, index: this.log.commit });
      return;
    }
    this.readSeq++;
    this.pendingReads.push({
      requestId,
      index: this.log.commit,
      seq: this.readSeq,
      acks: new Set([this.id]),
    });
    this.broadcastHeartbeat();
  }

  private broadcastAppend(): void {
    if (this.role !== 'leader') return;
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private broadcastHeartbeat(): void {
    for (const p of this.progress.values()) {
      if (p.id === this.id) continue;
      this.send({
        type: 'heartbeat',
        from: this.id,
        to: p.id,
        term: this.term,
        commit: Math.min(p.match, this.log.commit),
        readSeq: this.readSeq,
      });
    }
  }

  /** Sends the next batch to `to`, or a snapshot when it is behind the compacted log. */
  private sendAppend(to: NodeId, sendIfEmpty = false): void {
    const p = this.progress.get(to);
    if (!p || p.isPaused(this.maxInflight)) return;
    const prevIndex = p.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      const snap = this.log.snapshot;
      assert(snap !== undefined, `leader has no term for ${prevIndex} and no snapshot`);
      p.becomeSnapshot(snap.index);
      this.send({ type: 'snapshot', from: this.id, to, term: this.term, snapshot: snap });
      return;
    }
    const entries =
      p.next <= this.log.lastIndex()
        ? this.log.slice(p.next, this.log.lastIndex(), this.maxBatchBytes)
        : [];
    if (entries.length === 0 && !sendIfEmpty && p.state === 'replicate') return;
    this.send({
      type: 'append',
      from: this.id,
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.commit,
    });
    const last = entries[entries.length - 1];
    if (p.state === 'replicate') {
      if (last) {
        p.next = last.index + 1;
        p.inflight.push(last.index);
      }
    } else {
      p.paused = true;
    }
  }

  private handleAppendResp(msg: AppendResponse): void {
    const p = this.progress.get(msg.from);
    if (!p) return;
    p.silentTicks = 0;
    if (msg.reject) {
      if (p.maybeDecrTo(msg.index, msg.hint)) {
        if (p.state === 'replicate') p.becomeProbe();
        this.sendAppend(msg.from);
      }
      return;
    }
    const wasPaused = p.isPaused(this.maxInflight);
    if (p.removedAt > 0 && msg.index >= p.removedAt) {
      // It has the entry that removed it: it knows it is out.
      this.progress.delete(p.id);
      return;
    }
    if (p.maybeUpdate(msg.index)) {
      if (p.state === 'probe') p.becomeReplicate();
      else if (p.state === 'snapshot' && p.match >= p.pendingSnapshot) {
        p.becomeProbe();
        p.becomeReplicate();
      }
      if (this.maybeCommit()) this.broadcastAppend();
      else if (this.role === 'leader') this.sendAppend(msg.from);
      if (this.role !== 'leader') return;
      if (msg.from === this.transferee && p.match === this.log.lastIndex()) {
        this.send({ type: 'timeoutNow', from: this.id, to: msg.from, term: this.term });
      }
    } else if (wasPaused) {
      this.sendAppend(msg.from);
    }
  }

  private handleHeartbeatResp(msg: HeartbeatResponse): void {
    const p = this.progress.get(msg.from);
    if (!p) return;
    p.silentTicks = 0;
    p.paused = false;
    // Lost appends: free one slot so an (empty) append probes where the follower really is.
    if (p.state === 'replicate' && p.inflight.length >= this.maxInflight) p.inflight.shift();
    if (p.match < this.log.lastIndex()) this.sendAppend(msg.from, true);
    if (msg.readSeq > 0 && this.pendingReads.length > 0) this.ackReads(msg.from, msg.readSeq);
  }

  private ackReads(from: NodeId, seq: number): void {
    const voters = votersOf(this.membership());
    if (!voters.includes(from)) return;
    const need = majority(voters.length);
    let release = -1;
    for (let i = 0; i < this.pendingReads.length; i++) {
      const r = this.pendingReads[i]!;
      if (r.seq > seq) break;
      r.acks.add(from);
      if (voters.filter((v) => r.acks.has(v)).length >= need) release = i;
    }
    if (release < 0) return;
    // A majority confirmed leadership after read `release` started: it and all before are safe.
    for (const r of this.pendingReads.splice(0, release + 1)) {
      this.readStates.push({ requestId: r.requestId, index: r.index });
    }
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return (
    a.term === b.term && a.role === b.role && a.leader === b.leader && a.hasQuorum === b.hasQuorum
  );
}
