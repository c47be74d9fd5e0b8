import type { ErrorCode, FenceAction } from '@vigil/base';
import type { AgentAction, PowerState } from './protocol.js';

/** What one device did during a fencing request. */
export interface DeviceAttempt {
  readonly device: string;
  /** The topology level's index, or the device's rank when no topology applies. */
  readonly level: number;
  /** The agent action that was run (after `pcmk_<action>_action`). */
  readonly action: AgentAction;
  readonly plug?: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly code?: ErrorCode;
  /** Agent runs, retries included. */
  readonly runs: number;
  readonly rc: number | null;
  readonly timedOut: boolean;
  /** Delay applied before the action: static + random = total, in ms. */
  readonly delayBaseMs: number;
  readonly delayRandomMs: number;
  /** For off: what `status` said afterwards. */
  readonly verified?: PowerState;
  readonly startedWallMs: number;
  readonly durationMs: number;
}

/** One fencing request, as kept in the history. */
export interface FenceHistoryEntry {
  readonly id: number;
  readonly target: string;
  readonly action: FenceAction;
  readonly ok: boolean;
  /** Set when not ok. */
  readonly code?: ErrorCode;
  /** One sentence: which level fenced the target, or why none could. */
  readonly reason: string;
  /** For status: the target's power state. */
  readonly state?: PowerState;
  readonly levelsTried: readonly number[];
  readonly attempts: readonly DeviceAttempt[];
  readonly startedWallMs: number;
  readonly completedWallMs: number;
  readonly durationMs: number;
}

export interface HistoryQuery {
  readonly target?: string;
  /** Most recent N entries. */
  readonly limit?: number;
}

/** A bounded record of fencing results: the oldest entries are dropped beyond `limit`. */
export class FenceHistory {
  private readonly entries: FenceHistoryEntry[] = [];
  private dropped = 0;
  private lastId = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('history limit must be >= 1');
  }

  /** The id of the next request recorded here (ids are never reused). */
  nextId(): number {
    return ++this.lastId;
  }

  add(e: FenceHistoryEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.limit) {
      this.entries.shift();
      this.dropped++;
    }
  }

  /** Entries oldest first, optionally for one target and the last `limit` only. */
  query(q: HistoryQuery = {}): FenceHistoryEntry[] {
    const hits =
      q.target === undefined
        ? [...this.entries]
        : this.entries.filter((e) => e.target === q.target);
    return q.limit === undefined ? hits : hits.slice(Math.max(0, hits.length - q.limit));
  }

  /** How many entries were dropped to respect the limit. */
  get droppedCount(): number {
    return this.dropped;
  }
}
