import { join } from 'node:path';
import { VigilError, type Disk } from '@vigil/base';
import {
  crc32c,
  decodeEntry,
  decodeHardState,
  encodeEntry,
  encodeHardState,
  type Entry,
  type HardState,
  type PersistedState,
  type Ready,
} from '@vigil/raft';

/** What the shell needs from Raft persistence (the raft package's `RaftStorage` fits). */
export interface RaftPersistence {
  readonly state: PersistedState;
  persist(rd: Ready): Promise<void>;
}

const REC_ENTRY = 1;
const REC_HARD = 2;

/**
 * INTERIM: a single-file write-ahead log used by the shell until `@vigil/raft`'s segmented
 * `RaftStorage` is available on this branch. Records are `[u32 len][u32 crc32c][u8 kind][payload]`;
 * replay stops at the first torn or corrupt record and truncates the file there. No snapshots.
 */
export class InterimWal implements RaftPersistence {
  private constructor(
    private readonly disk: Disk,
    private readonly path: string,
    private hard: HardState,
    private entries: Entry[],
  ) {}

  static async open(disk: Disk, dir: string): Promise<InterimWal> {
    await disk.mkdirp(dir);
    const path = join(dir, 'wal');
    const buf = (await disk.read(path)) ?? new Uint8Array(0);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let hard: HardState = { term: 0, vote: null, commit: 0 };
    let entries: Entry[] = [];
    let at = 0;
    while (at + 9 <= buf.length) {
      const len = view.getUint32(at);
      const crc = view.getUint32(at + 4);
      if (len < 1 || at + 8 + len > buf.length) break;
      if (crc32c(buf, at + 8, at + 8 + len) !== crc) break;
      const kind = buf[at + 8];
      const payload = buf.subarray(at + 9, at + 8 + len);
      if (kind === REC_ENTRY) {
        const e = decodeEntry(payload);
        const first = entries[0]?.index ?? e.index;
        entries = entries.slice(0, Math.max(0, e.index - first));
        entries.push(e);
      } else if (kind === REC_HARD) {
        hard = decodeHardState(payload);
      } else break;
      at += 8 + len;
    }
    if (at < buf.length) await disk.truncate(path, at);
    return new InterimWal(disk, path, hard, entries);
  }

  get state(): PersistedState {
    return { hardState: this.hard, snapshot: undefined, entries: this.entries };
  }

  async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) {
      throw new VigilError('VGL_E_UNSUPPORTED', 'interim WAL: snapshots are not supported');
    }
    const recs: Uint8Array[] = [];
    for (const e of rd.entries) recs.push(record(REC_ENTRY, encodeEntry(e)));
    if (rd.hardState) {
      this.hard = rd.hardState;
      recs.push(record(REC_HARD, encodeHardState(rd.hardState)));
    }
    if (recs.length === 0) return;
    let n = 0;
    for (const r of recs) n += r.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const r of recs) {
      out.set(r, n);
      n += r.length;
    }
    await this.disk.append(this.path, out);
    if (rd.mustSync || rd.entries.length > 0) await this.disk.sync(this.path);
  }
}

function record(kind: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, payload.length + 1);
  out[8] = kind;
  out.set(payload, 9);
  v.setUint32(4, crc32c(out, 8, out.length));
  return out;
}
