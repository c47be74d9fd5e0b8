import { VigilError, type Disk } from '@vigil/base';
import {
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
} from '../codec.js';
import type { Entry, HardState, PersistedState, Ready, Snapshot } from '../types.js';
import { crc32c } from './crc32c.js';

export interface RaftStorageOptions {
  /** Roll to a new log segment beyond this size. Default 4 MiB. */
  readonly maxSegmentBytes?: number;
}

/** What `open` found and repaired. */
export interface OpenReport {
  /** Bytes cut off a torn or corrupt tail (0 when the log was clean). */
  readonly truncatedBytes: number;
  /** Segment files after the repair. */
  readonly segments: number;
  /** Records replayed. */
  readonly records: number;
}

/** Largest record we accept: anything longer is a corrupt length field. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const HEADER_BYTES = 8;
const REC_ENTRY = 1;
const REC_HARD_STATE = 2;
const REC_MARK_COMPACT = 3;
const REC_MARK_INSTALL = 4;

const SEG_PREFIX = 'log-';
const SEG_SUFFIX = '.seg';
const SNAP_PREFIX = 'snap-';
const SNAP_SUFFIX = '.snap';

const pad = (n: number): string => String(n).padStart(20, '0');

interface Segment {
  readonly seq: number;
  readonly name: string;
  size: number;
  /** Highest entry index written to it (0 if none). */
  maxIndex: number;
}

/** Frames `payload` as [u32 length][u32 crc32c(payload)][payload]. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, payload.length);
  v.setUint32(4, crc32c(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Reads framed records from `buf`. Stops at the first record that is incomplete or fails its
 * CRC: `validBytes` is where the trustworthy prefix ends.
 */
export function readRecords(buf: Uint8Array): { records: Uint8Array[]; validBytes: number } {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off + HEADER_BYTES <= buf.length) {
    const len = v.getUint32(off);
    const crc = v.getUint32(off + 4);
    if (len > MAX_RECORD_BYTES || off + HEADER_BYTES + len > buf.length) break;
    if (crc32c(buf, off + HEADER_BYTES, off + HEADER_BYTES + len) !== crc) break;
    records.push(buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len));
    off += HEADER_BYTES + len;
  }
  return { records, validBytes: off };
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

function marker(tag: number, index: number, term: number): Uint8Array {
  const out = new Uint8Array(17);
  const v = new DataView(out.buffer);
  out[0] = tag;
  v.setUint32(1, Math.floor(index / 0x1_0000_0000));
  v.setUint32(5, index % 0x1_0000_0000);
  v.setUint32(9, Math.floor(term / 0x1_0000_0000));
  v.setUint32(13, term % 0x1_0000_0000);
  return out;
}

function readMarker(p: Uint8Array): { index: number; term: number } {
  if (p.length !== 17) throw new VigilError('VGL_E_PARSE', 'storage: bad marker record');
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    index: v.getUint32(1) * 0x1_0000_0000 + v.getUint32(5),
    term: v.getUint32(9) * 0x1_0000_0000 + v.getUint32(13),
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Durable Raft state on a `Disk`: a segmented write-ahead log (entries, hard state and snapshot
 * markers, appended in order; a later entry at an index replaces the earlier one and everything
 * after it) plus snapshot files, every record framed with length + CRC32C. `open` replays it and
 * truncates a torn or corrupt tail of the last segment; corruption anywhere else is refused
 * (VGL_E_IO), never trusted. Deterministic given the Disk.
 *
 * Crash safety: a segment is fsynced before the next one is created and the directory is
 * fsynced after, so only the last segment can have a torn tail. Snapshot files are written to a
 * temp file, fsynced and renamed; the marker that relies on one is logged only after that.
 */
export class RaftStorage {
  private readonly segments: Segment[] = [];
  private hard: HardState = { term: 0, vote: null, commit: 0 };
  private base = { index: 0, term: 0 };
  private loaded: PersistedState = { hardState: this.hard, snapshot: undefined, entries: [] };
  private sawInstallMarker = false;
  private openReport: OpenReport = { truncatedBytes: 0, segments: 0, records: 0 };
  private readonly maxSegmentBytes: number;

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    opts: RaftStorageOptions,
  ) {
    this.maxSegmentBytes = opts.maxSegmentBytes ?? 4 * 1024 * 1024;
    if (!(this.maxSegmentBytes >= 256)) {
      throw new VigilError('VGL_E_CONFIG', 'storage: maxSegmentBytes must be at least 256');
    }
  }

  /** Opens (creating if needed) the Raft state in `dir`, replaying and repairing it. */
  static async open(disk: Disk, dir: string, opts: RaftStorageOptions = {}): Promise<RaftStorage> {
    const s = new RaftStorage(disk, dir, opts);
    await s.load();
    return s;
  }

  /** The state `open` loaded: pass it as `RaftConfig.restore`. */
  get state(): PersistedState {
    return this.loaded;
  }

  get report(): OpenReport {
    return this.openReport;
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private async load(): Promise<void> {
    await this.disk.mkdirp(this.dir);
    const names = await this.disk.list(this.dir);
    for (const n of names) if (n.endsWith('.tmp')) await this.disk.remove(this.path(n));

    // The newest snapshot file must be intact: it replaced the log before it.
    const snaps = names.filter((n) => n.startsWith(SNAP_PREFIX) && n.endsWith(SNAP_SUFFIX)).sort();
    let snapshot: Snapshot | undefined;
    let installed = false;
    const newest = snaps[snaps.length - 1];
    if (newest !== undefined) {
      ({ snapshot, installed } = await this.readSnapshotFile(newest));
      this.base = { index: snapshot.index, term: snapshot.term };
      for (const old of snaps.slice(0, -1)) await this.disk.remove(this.path(old));
    }

    const segNames = names.filter((n) => n.startsWith(SEG_PREFIX) && n.endsWith(SEG_SUFFIX)).sort();
    let entries: Entry[] = [];
    let records = 0;
    let truncatedBytes = 0;
    for (let i = 0; i < segNames.length; i++) {
      const name = segNames[i]!;
      const seq = Number(name.slice(SEG_PREFIX.length, -SEG_SUFFIX.length));
      const buf = (await this.disk.read(this.path(name))) ?? new Uint8Array(0);
      const { records: recs, validBytes } = readRecords(buf);
      const seg: Segment = { seq, name, size: validBytes, maxIndex: 0 };
      let bad = validBytes < buf.length;
      let goodBytes = 0;
      for (const p of recs) {
        try {
          const r = this.replayRecord(p, entries);
          entries = r.entries;
          if (r.index > seg.maxIndex) seg.maxIndex = r.index;
        } catch (e) {
          if (
            e instanceof VigilError &&
            (e.code === 'VGL_E_PARSE' || e.code === 'VGL_E_INVALID_INPUT')
          ) {
            bad = true;
            break;
          }
          throw e;
        }
        goodBytes += HEADER_BYTES + p.length;
        records++;
      }
      this.segments.push(seg);
      if (!bad) continue;
      if (i !== segNames.length - 1) {
        throw new VigilError(
          'VGL_E_IO',
          `storage: ${this.path(name)} is corrupt at byte ${goodBytes} (not the tail)`,
          {
            path: this.path(name),
            offset: goodBytes,
          },
        );
      }
      truncatedBytes = buf.length - goodBytes;
      seg.size = goodBytes;
      await this.disk.truncate(this.path(name), goodBytes);
      await this.disk.sync(this.path(name));
    }

    // An installed snapshot replaced the whole log; if the crash came before its marker, every
    // entry in the log predates it.
    if (installed && !this.sawInstallMarker) entries = [];
    // Keep the contiguous, term-monotonic run after the snapshot; anything else is stale.
    entries = entries.filter((e) => e.index > this.base.index);
    let expect = this.base.index + 1;
    let lastTerm = this.base.term;
    let keep = 0;
    for (const e of entries) {
      if (e.index !== expect || e.term < lastTerm) break;
      expect++;
      lastTerm = e.term;
      keep++;
    }
    entries = entries.slice(0, keep);
    this.loaded = { hardState: this.hard, snapshot, entries };
    this.openReport = { truncatedBytes, segments: this.segments.length, records };
  }

  /** Applies one record to the replay state. Returns the entries and the entry index, if any. */
  private replayRecord(p: Uint8Array, entries: Entry[]): { entries: Entry[]; index: number } {
    const tag = p[0] ?? 0;
    const body = p.subarray(1);
    switch (tag) {
      case REC_ENTRY: {
        const e = decodeEntry(body);
        if (entries.length > 0) {
          const first = entries[0]!.index;
          if (e.index < first) entries = [];
          else if (e.index <= first + entries.length - 1) entries.length = e.index - first;
          else if (e.index > first + entries.length) entries = []; // a gap: only a snapshot can follow
        }
        entries.push(e);
        return { entries, index: e.index };
      }
      case REC_HARD_STATE:
        this.hard = decodeHardState(body);
        return { entries, index: 0 };
      case REC_MARK_COMPACT: {
        const m = readMarker(p);
        this.checkSnapshotKnown(m.index);
        return { entries: entries.filter((e) => e.index > m.index), index: 0 };
      }
      case REC_MARK_INSTALL: {
        const m = readMarker(p);
        this.checkSnapshotKnown(m.index);
        if (m.index === this.base.index) this.sawInstallMarker = true;
        return { entries: [], index: 0 };
      }
      default:
        throw new VigilError('VGL_E_PARSE', `storage: unknown record tag ${tag}`);
    }
  }

  private checkSnapshotKnown(index: number): void {
    if (index > this.base.index) {
      throw new VigilError(
        'VGL_E_IO',
        `storage: the log relies on snapshot ${index}, which is missing`,
        {
          dir: this.dir,
          index,
        },
      );
    }
  }

  /** A snapshot file holds one record: [kind: install or compact][encoded snapshot]. */
  private async readSnapshotFile(
    name: string,
  ): Promise<{ snapshot: Snapshot; installed: boolean }> {
    const buf = (await this.disk.read(this.path(name))) ?? new Uint8Array(0);
    const { records, validBytes } = readRecords(buf);
    const bad = (): VigilError =>
      new VigilError('VGL_E_IO', `storage: snapshot file ${this.path(name)} is corrupt`, {
        path: this.path(name),
      });
    const rec = records[0];
    if (records.length !== 1 || validBytes !== buf.length || rec === undefined) throw bad();
    const kind = rec[0];
    if (kind !== REC_MARK_INSTALL && kind !== REC_MARK_COMPACT) throw bad();
    try {
      return { snapshot: decodeSnapshot(rec.subarray(1)), installed: kind === REC_MARK_INSTALL };
    } catch {
      throw bad();
    }
  }

  /** Persists a Ready's snapshot, entries and hard state, fsyncing when `mustSync`. */
  async persist(rd: Ready): Promise<void> {
    const recs: Uint8Array[] = [];
    let maxIndex = 0;
    if (rd.snapshot) {
      await this.writeSnapshotFile(rd.snapshot, REC_MARK_INSTALL);
      recs.push(frameRecord(marker(REC_MARK_INSTALL, rd.snapshot.index, rd.snapshot.term)));
    }
    for (const e of rd.entries) {
      recs.push(frameRecord(tagged(REC_ENTRY, encodeEntry(e))));
      maxIndex = Math.max(maxIndex, e.index);
    }
    if (rd.hardState) recs.push(frameRecord(tagged(REC_HARD_STATE, encodeHardState(rd.hardState))));
    if (recs.length === 0) return;
    await this.appendRecords(concat(recs), maxIndex, rd.mustSync);
    if (rd.hardState) this.hard = rd.hardState;
    if (rd.snapshot) await this.collect(rd.snapshot.index);
  }

  /** Persists a locally created snapshot and drops log segments it covers. */
  async saveSnapshot(snap: Snapshot): Promise<void> {
    if (snap.index <= this.base.index) return;
    await this.writeSnapshotFile(snap, REC_MARK_COMPACT);
    await this.appendRecords(frameRecord(marker(REC_MARK_COMPACT, snap.index, snap.term)), 0, true);
    await this.collect(snap.index);
  }

  private async writeSnapshotFile(snap: Snapshot, kind: number): Promise<void> {
    const name = `${SNAP_PREFIX}${pad(snap.index)}${SNAP_SUFFIX}`;
    const tmp = this.path(`${name}.tmp`);
    await this.disk.write(tmp, frameRecord(tagged(kind, encodeSnapshot(snap))));
    await this.disk.sync(tmp);
    await this.disk.rename(tmp, this.path(name));
    await this.disk.syncDir(this.dir);
    this.base = { index: snap.index, term: snap.term };
  }

  private async appendRecords(bytes: Uint8Array, maxIndex: number, sync: boolean): Promise<void> {
    let seg = this.segments[this.segments.length - 1];
    if (!seg || (seg.size > 0 && seg.size + bytes.length > this.maxSegmentBytes)) {
      seg = await this.roll(seg);
    }
    await this.disk.append(this.path(seg.name), bytes);
    seg.size += bytes.length;
    seg.maxIndex = Math.max(seg.maxIndex, maxIndex);
    if (sync) await this.disk.sync(this.path(seg.name));
  }

  /** Starts a new segment: the old one is fsynced first, the new one opens with the hard state. */
  private async roll(prev: Segment | undefined): Promise<Segment> {
    if (prev) await this.disk.sync(this.path(prev.name));
    const seq = prev ? prev.seq + 1 : 1;
    const seg: Segment = {
      seq,
      name: `${SEG_PREFIX}${pad(seq)}${SEG_SUFFIX}`,
      size: 0,
      maxIndex: 0,
    };
    const header = concat([
      frameRecord(tagged(REC_HARD_STATE, encodeHardState(this.hard))),
      frameRecord(marker(REC_MARK_COMPACT, this.base.index, this.base.term)),
    ]);
    await this.disk.write(this.path(seg.name), header);
    await this.disk.sync(this.path(seg.name));
    await this.disk.syncDir(this.dir);
    seg.size = header.length;
    this.segments.push(seg);
    return seg;
  }

  /** Removes older snapshots and the leading segments whose entries are all covered. */
  private async collect(snapIndex: number): Promise<void> {
    for (const n of await this.disk.list(this.dir)) {
      if (
        n.startsWith(SNAP_PREFIX) &&
        n.endsWith(SNAP_SUFFIX) &&
        n < `${SNAP_PREFIX}${pad(snapIndex)}${SNAP_SUFFIX}`
      ) {
        await this.disk.remove(this.path(n));
      }
    }
    while (this.segments.length > 1 && this.segments[0]!.maxIndex <= snapIndex) {
      const seg = this.segments.shift()!;
      await this.disk.remove(this.path(seg.name));
    }
  }
}
