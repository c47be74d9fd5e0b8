import { VigilError, type Disk } from '@vigil/base';
import type { PersistedState, Ready, Snapshot } from '../types.js';

export interface RaftStorageOptions {
  /** Roll to a new log segment beyond this size. Default 4 MiB. */
  readonly maxSegmentBytes?: number;
}

/** What `open` found and repaired. */
export interface OpenReport {
  /** Bytes cut off a torn or corrupt tail (0 when the log was clean). */
  readonly truncatedBytes: number;
  readonly segments: number;
}

/**
 * Durable Raft state on a `Disk`: a segmented write-ahead log (entries and hard state) plus
 * snapshot files, every record framed with length + CRC32C. `open` replays it and truncates a
 * torn or corrupt tail. Deterministic given the Disk.
 */
export class RaftStorage {
  private constructor() {}

  static open(_disk: Disk, _dir: string, _opts?: RaftStorageOptions): Promise<RaftStorage> {
    return Promise.reject(new VigilError('VGL_E_UNSUPPORTED', 'storage: not implemented yet'));
  }

  /** The state to pass as `RaftConfig.restore`. */
  get state(): PersistedState {
    throw new VigilError('VGL_E_UNSUPPORTED', 'storage: not implemented yet');
  }

  get report(): OpenReport {
    throw new VigilError('VGL_E_UNSUPPORTED', 'storage: not implemented yet');
  }

  /** Persists a Ready's snapshot, entries and hard state, fsyncing when `mustSync`. */
  persist(_rd: Ready): Promise<void> {
    return Promise.reject(new VigilError('VGL_E_UNSUPPORTED', 'storage: not implemented yet'));
  }

  /** Persists a locally created snapshot and drops log segments it covers. */
  saveSnapshot(_snap: Snapshot): Promise<void> {
    return Promise.reject(new VigilError('VGL_E_UNSUPPORTED', 'storage: not implemented yet'));
  }
}
