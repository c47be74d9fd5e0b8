import { createHash } from 'node:crypto';
import { VigilError } from '@vigil/base';
import { Reader, Writer } from '@vigil/wire';

/** Entries up to this size are kept and shown as text; larger ones by length and digest. */
export const BIG_ENTRY_BYTES = 4096;
/** Entries msgd keeps (the oldest go first). */
const MAX_KEPT = 200_000;
/** Bytes of large entries msgd keeps, so a snapshot of its state is bounded. */
const MAX_BIG_KEPT_BYTES = 64 * 1024 * 1024;

interface Applied {
  readonly index: number;
  /** The entry as text, or `big:LENGTH:SHA256` for a large one. */
  readonly text: string;
  /** A large entry's bytes, kept for snapshots. */
  readonly bytes?: Uint8Array;
}

export function describeEntry(data: Uint8Array): string {
  if (data.length <= BIG_ENTRY_BYTES) return new TextDecoder().decode(data);
  return `big:${data.length}:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * msgd's state machine: the committed entries in order (large ones kept whole, within bounds),
 * which it can capture as a snapshot and restore from one, so tests can compact the log and
 * check a follower catches up with exactly the leader's state.
 */
export class MsgdState {
  private applied: Applied[] = [];
  private bigBytes = 0;

  add(index: number, data: Uint8Array): void {
    const big = data.length > BIG_ENTRY_BYTES;
    this.applied.push({ index, text: describeEntry(data), ...(big ? { bytes: data } : {}) });
    if (big) this.bigBytes += data.length;
    while (this.applied.length > MAX_KEPT || this.bigBytes > MAX_BIG_KEPT_BYTES) {
      const gone = this.applied.shift()!;
      if (gone.bytes) this.bigBytes -= gone.bytes.length;
    }
  }

  get lastIndex(): number {
    return this.applied[this.applied.length - 1]?.index ?? 0;
  }

  entries(from: number, max: number): [number, string][] {
    return this.applied
      .filter((a) => a.index >= from)
      .slice(0, max)
      .map((a) => [a.index, a.text]);
  }

  /** The state as bytes: every entry kept, large ones whole. */
  snapshot(): Uint8Array {
    let size = 16;
    for (const a of this.applied) size += 16 + (a.bytes?.length ?? a.text.length * 3);
    const w = new Writer(size + 1024, size + 1024);
    w.u32(this.applied.length);
    for (const a of this.applied) {
      w.u64(a.index);
      if (a.bytes) w.u8(1).bytes(a.bytes);
      else w.u8(0).str(a.text);
    }
    return w.finish();
  }

  restore(data: Uint8Array): void {
    const r = new Reader(data);
    const n = r.u32('count');
    if (n > MAX_KEPT) throw new VigilError('VGL_E_PARSE', `snapshot holds ${n} entries`);
    const next = new MsgdState();
    for (let i = 0; i < n; i++) {
      const index = r.u64('index');
      const kind = r.u8('kind');
      const bytes = r.bytes(data.length, 'entry');
      if (kind === 1) next.add(index, bytes);
      else next.applied.push({ index, text: new TextDecoder().decode(bytes) });
    }
    r.end('snapshot');
    this.applied = next.applied;
    this.bigBytes = next.bigBytes;
  }
}
