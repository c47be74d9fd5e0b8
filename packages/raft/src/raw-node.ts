import { VigilError } from '@vigil/base';
import type { ConfChange, Message, NodeId, RaftConfig, Ready, Snapshot, Status } from './types.js';

/** Where a proposal landed in the log. It is committed when it shows up in `committedEntries`. */
export interface Proposed {
  readonly index: number;
  readonly term: number;
}

function todo(): never {
  throw new VigilError('VGL_E_UNSUPPORTED', 'raft core: not implemented yet');
}

/**
 * The Raft state machine for one node (etcd RawNode style). It never does I/O: the caller feeds
 * it `tick()` and `step(message)`, asks `ready()` for what to persist, send and apply, does it,
 * then calls `advance(ready)`. Deterministic given its config (seed) and inputs.
 */
export class RawNode {
  readonly id: NodeId;

  constructor(config: RaftConfig) {
    this.id = config.id;
    todo();
  }

  /** Advances logical time by one tick (the shell calls it every tickMs). */
  tick(): void {
    todo();
  }

  /** Feeds a message from a peer. Messages for another node or malformed ones are rejected. */
  step(_msg: Message): void {
    todo();
  }

  /** Appends `data` as a new entry. Throws VGL_E_NOT_LEADER, VGL_E_NO_QUORUM, VGL_E_LIMIT… */
  propose(_data: Uint8Array): Proposed {
    todo();
  }

  /** Proposes a single-server membership change. One at a time (VGL_E_CONFLICT otherwise). */
  proposeConfChange(_change: ConfChange): Proposed {
    todo();
  }

  /** Hands leadership to `to` (a voter or witness); it catches up, then gets TimeoutNow. */
  transferLeadership(_to: NodeId): void {
    todo();
  }

  /** Starts a linearizable read; a ReadState with `requestId` follows in a later Ready. */
  readIndex(_requestId: string): void {
    todo();
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    todo();
  }

  hasReady(): boolean {
    todo();
  }

  ready(): Ready {
    todo();
  }

  /** Acknowledges that everything in `ready` was persisted, sent and applied. */
  advance(_ready: Ready): void {
    todo();
  }

  /**
   * Records a snapshot of the state machine at `index` (≤ applied) and drops log entries up to
   * it from memory. The caller persists the returned snapshot with the storage.
   */
  createSnapshot(_index: number, _data: Uint8Array): Snapshot {
    todo();
  }

  status(): Status {
    todo();
  }
}
