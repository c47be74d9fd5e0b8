import { VigilError, isVigilError } from '@vigil/base';
import { raftSizeLimits, type CommittedEntry, type StateSnapshot } from '@vigil/heartbeat';
import {
  applyEntry,
  emptyCib,
  upgradeConfiguration,
  type Cib,
  type CibEntry,
} from '@vigil/controller';
import { decode, encode } from './cluster-link.js';

/**
 * The replicated state machine over the Raft log: every change is one log entry
 * `{ entry, who, wallMs }` stamped by its proposer; every node applies committed entries in log
 * order to its own copy, so all copies agree. Applying is deterministic (the entry carries the
 * wall time and author; the term comes from the log). An entry the model refuses (it throws a
 * VigilError) changes nothing, on every node alike, and its proposer gets the error.
 *
 * Generic over the model (`StateModel`), so a different CIB model only swaps `cibModel`.
 *
 * Bounded log: every `checkpointEvery` applied entries the state is captured, and the capture
 * from the previous round becomes the Raft snapshot that truncates the log, so the log holds
 * between one and two rounds of entries and a follower up to one round behind still catches up
 * from the log. Restart restores the newest snapshot and replays the log after it.
 */
export interface EntryMeta {
  readonly who: string;
  readonly wallMs: number;
  readonly term: number;
  readonly index: number;
}

export interface StateModel<S, E> {
  readonly empty: () => S;
  /** Pure: the next state; throws VigilError (and changes nothing) on an invalid entry. */
  readonly apply: (state: S, entry: E, meta: EntryMeta) => S;
  /** A decoded snapshot as the state (snapshots written by older versions are converted). */
  readonly restore?: (decoded: unknown) => S;
}

export interface LoggedEntry<E> {
  readonly entry: E;
  readonly who: string;
  readonly wallMs: number;
}

export interface Applied<S, E> {
  readonly index: number;
  readonly logged: LoggedEntry<E>;
  readonly before: S;
  readonly after: S;
}

/** What the state machine needs from the log. */
export interface LogPort {
  propose(data: Uint8Array, timeoutMs: number): Promise<number>;
  compactLog(index: number, data: Uint8Array): Promise<void>;
}

/**
 * Largest encoded (deflated) entry: 8 MiB, a CIB of tens of MiB of XML. The messaging layer
 * carries it in fragments (its own bound is `raftSizeLimits().maxEntryBytes`, about 16 MiB).
 */
export const MAX_ENTRY_BYTES = Math.min(8 * 1024 * 1024, raftSizeLimits().maxEntryBytes);
/** Largest encoded snapshot: what the messaging layer can send a follower behind the log. */
export const MAX_SNAPSHOT_BYTES = raftSizeLimits().maxSnapshotBytes;
export const DEFAULT_CHECKPOINT_EVERY = 256;
/** Refusals remembered for proposers that have not looked yet. */
const MAX_REFUSALS = 256;

export class ReplicatedState<S, E> {
  state: S;
  appliedIndex = 0;
  /** Index of the snapshot the log starts after. */
  snapshotIndex = 0;
  private checkpoint: { index: number; data: Uint8Array } | undefined;
  private compacting = false;
  private readonly refusals = new Map<number, Error>();
  private readonly waiters: { index: number; resolve: () => void }[] = [];
  private log: LogPort | undefined;

  constructor(
    private readonly model: StateModel<S, E>,
    private readonly onApplied: (a: Applied<S, E>) => void,
    private readonly warn: (line: string) => void,
    private readonly checkpointEvery = DEFAULT_CHECKPOINT_EVERY,
  ) {
    this.state = model.empty();
  }

  attach(log: LogPort): void {
    this.log = log;
  }

  /** A snapshot replaces the state (at start, or installed from the leader). */
  onSnapshot(s: StateSnapshot): void {
    const decoded = decode(s.data);
    this.state = this.model.restore ? this.model.restore(decoded) : (decoded as S);
    this.appliedIndex = s.index;
    this.snapshotIndex = s.index;
    this.checkpoint = undefined;
    this.wake();
  }

  onCommitted(ce: CommittedEntry): void {
    if (ce.index <= this.appliedIndex) return;
    this.appliedIndex = ce.index;
    let logged: LoggedEntry<E>;
    try {
      logged = decode(ce.data) as LoggedEntry<E>;
    } catch (e) {
      // Every node decodes the same bytes the same way: skipping is consistent.
      this.warn(`log entry ${ce.index} is unreadable and was skipped: ${(e as Error).message}`);
      this.wake();
      return;
    }
    const before = this.state;
    try {
      this.state = this.model.apply(before, logged.entry, {
        who: logged.who,
        wallMs: logged.wallMs,
        term: ce.term,
        index: ce.index,
      });
    } catch (e) {
      if (!isVigilError(e)) throw e;
      this.refusals.set(ce.index, e);
      if (this.refusals.size > MAX_REFUSALS)
        this.refusals.delete(this.refusals.keys().next().value!);
      this.wake();
      return;
    }
    this.onApplied({ index: ce.index, logged, before, after: this.state });
    this.maybeCheckpoint();
    this.wake();
  }

  /**
   * Proposes an entry (this node must be the leader) and resolves once it is committed and
   * applied here; rejects with the model's error if the entry was refused, or the log's error
   * (VGL_E_NOT_LEADER, VGL_E_NO_QUORUM, VGL_E_TIMEOUT, VGL_E_CONFLICT…).
   */
  async propose(entry: E, who: string, timeoutMs: number): Promise<number> {
    if (!this.log) throw new VigilError('VGL_E_UNAVAILABLE', 'the cluster layer is not started');
    const data = encode({ entry, who, wallMs: Date.now() }, MAX_ENTRY_BYTES, 'CIB change');
    const index = await this.log.propose(data, timeoutMs);
    await this.waitApplied(index, timeoutMs);
    const refused = this.refusals.get(index);
    if (refused) {
      this.refusals.delete(index);
      throw refused;
    }
    return index;
  }

  /** Resolves once entry `index` has been applied here (or `timeoutMs` passed: VGL_E_TIMEOUT). */
  waitApplied(index: number, timeoutMs: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new VigilError('VGL_E_TIMEOUT', `entry ${index} not applied within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const w = {
        index,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(w);
    });
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.index <= this.appliedIndex) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private maybeCheckpoint(): void {
    const since = this.checkpoint?.index ?? this.snapshotIndex;
    if (this.appliedIndex - since < this.checkpointEvery || !this.log || this.compacting) return;
    const prev = this.checkpoint;
    let data: Uint8Array;
    try {
      data = encode(this.state, MAX_SNAPSHOT_BYTES, 'CIB snapshot');
    } catch (e) {
      this.warn(`${(e as Error).message}: the log is not compacted`);
      return;
    }
    this.checkpoint = { index: this.appliedIndex, data };
    if (!prev) return;
    this.compacting = true;
    this.log.compactLog(prev.index, prev.data).then(
      () => {
        this.compacting = false;
        this.snapshotIndex = Math.max(this.snapshotIndex, prev.index);
      },
      (e: unknown) => {
        this.compacting = false;
        this.warn(`log compaction at ${prev.index} failed: ${(e as Error).message}`);
      },
    );
  }
}

/** The daemon's CIB model as a state model: entries are `CibEntry`, history comes from them. */
export const cibModel: StateModel<Cib, CibEntry> = {
  empty: emptyCib,
  apply: (cib, e, meta) => applyEntry(cib, e, meta),
  // Before the configuration was a CIB configuration section it had vigild's own shape.
  restore: (x) => {
    const cib = x as Cib;
    return { ...cib, config: upgradeConfiguration(cib.config) };
  },
};

export type ReplicatedCib = ReplicatedState<Cib, CibEntry>;
