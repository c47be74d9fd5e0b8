import type { Message } from '@vigil/raft';
import { DEFAULT_FRAGMENT_LIMITS } from './core/fragments.js';

/**
 * Bytes a Raft message adds around its one entry or its snapshot's data: ids, term, indexes,
 * and for a snapshot its membership (at most 32 members of 64-byte names, well below this).
 */
const RAFT_ENVELOPE_BYTES = 64 * 1024;

/**
 * Size limits of the Raft log as the messaging layer can carry it: an entry or a snapshot
 * must fit one fragmented message (an append carries one entry when it is larger than the
 * batch bound). The leader holds at most two largest entries uncommitted.
 */
export function raftSizeLimits(): {
  maxEntryBytes: number;
  maxSnapshotBytes: number;
  maxUncommittedBytes: number;
} {
  const max = DEFAULT_FRAGMENT_LIMITS.maxMessageBytes - RAFT_ENVELOPE_BYTES;
  return { maxEntryBytes: max, maxSnapshotBytes: max, maxUncommittedBytes: 2 * max };
}

/**
 * A name for a large Raft message that stays the same when the core sends it again (a
 * snapshot resent after its timeout, an append re-probed on every heartbeat response), so the
 * sender does not queue the same megabytes twice while the first copy is on its way.
 */
export function raftMessageKey(m: Message): string | undefined {
  if (m.type === 'snapshot') return `s:${m.term}:${m.snapshot.index}:${m.snapshot.term}`;
  if (m.type === 'append' && m.entries.length > 0) {
    const last = m.entries[m.entries.length - 1]!;
    return `a:${m.term}:${m.prevIndex}:${last.index}`;
  }
  return undefined;
}
