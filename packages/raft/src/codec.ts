import { VigilError } from '@vigil/base';
import type {
  ConfChange,
  Entry,
  HardState,
  Member,
  MemberRole,
  Membership,
  Message,
  MessageType,
  NodeId,
  Snapshot,
} from './types.js';

/**
 * Binary encoding of messages, entries, snapshots and hard state (version 1). Integers are
 * unsigned, big-endian; indexes and terms are 53-bit safe integers in 8 bytes; strings and byte
 * strings carry a length prefix. Decoders check every length, tag and range and throw
 * VGL_E_PARSE on malformed input, never anything else.
 */
const VERSION = 1;
const MAX_ID_BYTES = 64;
/** Entries per append message the decoder accepts. */
export const MAX_ENTRIES_PER_MESSAGE = 65_536;
/** Members the decoder accepts in a membership. */
const MAX_MEMBERS = 1024;

const MESSAGE_TYPES: readonly MessageType[] = [
  'preVote',
  'preVoteResp',
  'vote',
  'voteResp',
  'append',
  'appendResp',
  'heartbeat',
  'heartbeatResp',
  'snapshot',
  'timeoutNow',
];
const ROLES: readonly MemberRole[] = ['voter', 'witness', 'learner'];
const CHANGE_TYPES: readonly ConfChange['type'][] = [
  'addVoter',
  'addWitness',
  'addLearner',
  'remove',
];

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private n = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.n++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.n, v >>> 0);
    this.n += 4;
  }

  /** A safe non-negative integer in 8 bytes. */
  num(v: number): void {
    this.u32(Math.floor(v / 0x1_0000_0000));
    this.u32(v % 0x1_0000_0000);
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  str(s: string): void {
    this.bytes(utf8.encode(s));
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

function parseError(what: string): VigilError {
  return new VigilError('VGL_E_PARSE', `raft codec: ${what}`);
}

class Reader {
  private readonly view: DataView;
  private n = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(k: number, what: string): void {
    if (this.n + k > this.buf.length) throw parseError(`truncated ${what}`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.n++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.n);
    this.n += 4;
    return v;
  }

  num(what: string): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi > 0x1f_ffff) throw parseError(`${what} out of range`);
    return hi * 0x1_0000_0000 + lo;
  }

  bytes(what: string, max: number): Uint8Array {
    const len = this.u32(what);
    if (len > max) throw parseError(`${what} of ${len} bytes exceeds ${max}`);
    this.need(len, what);
    const b = this.buf.slice(this.n, this.n + len);
    this.n += len;
    return b;
  }

  str(what: string, max: number): string {
    const b = this.bytes(what, max);
    try {
      return utf8d.decode(b);
    } catch {
      throw parseError(`${what} is not UTF-8`);
    }
  }

  id(what: string): NodeId {
    const s = this.str(what, MAX_ID_BYTES);
    if (s.length === 0) throw parseError(`empty ${what}`);
    return s;
  }

  bool(what: string): boolean {
    const v = this.u8(what);
    if (v > 1) throw parseError(`${what} is not a boolean`);
    return v === 1;
  }

  tag<T>(what: string, values: readonly T[]): T {
    const v = this.u8(what);
    const t = values[v];
    if (t === undefined) throw parseError(`unknown ${what} ${v}`);
    return t;
  }

  end(what: string): void {
    if (this.n !== this.buf.length)
      throw parseError(`${this.buf.length - this.n} trailing bytes after ${what}`);
  }
}

function writeEntry(w: Writer, e: Entry): void {
  w.num(e.term);
  w.num(e.index);
  if (e.kind === 'normal') {
    w.u8(0);
    w.bytes(e.data);
  } else {
    w.u8(1);
    w.u8(CHANGE_TYPES.indexOf(e.change.type));
    w.str(e.change.id);
  }
}

function readEntry(r: Reader): Entry {
  const term = r.num('entry term');
  const index = r.num('entry index');
  if (index < 1) throw parseError('entry index 0');
  const kind = r.u8('entry kind');
  if (kind === 0)
    return { kind: 'normal', term, index, data: r.bytes('entry data', 64 * 1024 * 1024) };
  if (kind === 1) {
    const type = r.tag('conf change type', CHANGE_TYPES);
    return { kind: 'conf', term, index, change: { type, id: r.id('conf change id') } };
  }
  throw parseError(`unknown entry kind ${kind}`);
}

function writeMembership(w: Writer, m: Membership): void {
  w.u32(m.members.length);
  for (const x of m.members) {
    w.str(x.id);
    w.u8(ROLES.indexOf(x.role));
  }
}

function readMembership(r: Reader): Membership {
  const n = r.u32('member count');
  if (n > MAX_MEMBERS) throw parseError(`${n} members`);
  const members: Member[] = [];
  for (let i = 0; i < n; i++)
    members.push({ id: r.id('member id'), role: r.tag('member role', ROLES) });
  return { members };
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  w.num(s.index);
  w.num(s.term);
  writeMembership(w, s.membership);
  w.bytes(s.data);
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.num('snapshot index');
  const term = r.num('snapshot term');
  const membership = readMembership(r);
  return { index, term, membership, data: r.bytes('snapshot data', 1024 * 1024 * 1024) };
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  w.u8(VERSION);
  w.u8(MESSAGE_TYPES.indexOf(m.type));
  w.str(m.from);
  w.str(m.to);
  w.num(m.term);
  switch (m.type) {
    case 'preVote':
    case 'vote':
      w.num(m.lastIndex);
      w.num(m.lastTerm);
      w.u8(m.transfer ? 1 : 0);
      break;
    case 'preVoteResp':
    case 'voteResp':
      w.u8(m.granted ? 1 : 0);
      break;
    case 'append':
      w.num(m.prevIndex);
      w.num(m.prevTerm);
      w.num(m.commit);
      w.u32(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      break;
    case 'appendResp':
      w.u8(m.reject ? 1 : 0);
      w.num(m.index);
      w.num(m.hint);
      break;
    case 'heartbeat':
      w.num(m.commit);
      w.num(m.readSeq);
      break;
    case 'heartbeatResp':
      w.num(m.readSeq);
      break;
    case 'snapshot':
      writeSnapshot(w, m.snapshot);
      break;
    case 'timeoutNow':
      break;
  }
  return w.done();
}

export function decodeMessage(b: Uint8Array): Message {
  const r = new Reader(b);
  const v = r.u8('version');
  if (v !== VERSION) throw parseError(`unsupported message version ${v}`);
  const type = r.tag('message type', MESSAGE_TYPES);
  const from = r.id('from');
  const to = r.id('to');
  const term = r.num('term');
  const base = { from, to, term };
  let m: Message;
  switch (type) {
    case 'preVote':
    case 'vote':
      m = {
        ...base,
        type,
        lastIndex: r.num('lastIndex'),
        lastTerm: r.num('lastTerm'),
        transfer: r.bool('transfer'),
      };
      break;
    case 'preVoteResp':
    case 'voteResp':
      m = { ...base, type, granted: r.bool('granted') };
      break;
    case 'append': {
      const prevIndex = r.num('prevIndex');
      const prevTerm = r.num('prevTerm');
      const commit = r.num('commit');
      const n = r.u32('entry count');
      if (n > MAX_ENTRIES_PER_MESSAGE) throw parseError(`${n} entries in one append`);
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const e = readEntry(r);
        if (e.index !== prevIndex + 1 + i)
          throw parseError(`append entry ${i} has index ${e.index}`);
        entries.push(e);
      }
      m = { ...base, type, prevIndex, prevTerm, commit, entries };
      break;
    }
    case 'appendResp':
      m = { ...base, type, reject: r.bool('reject'), index: r.num('index'), hint: r.num('hint') };
      break;
    case 'heartbeat':
      m = { ...base, type, commit: r.num('commit'), readSeq: r.num('readSeq') };
      break;
    case 'heartbeatResp':
      m = { ...base, type, readSeq: r.num('readSeq') };
      break;
    case 'snapshot':
      m = { ...base, type, snapshot: readSnapshot(r) };
      break;
    case 'timeoutNow':
      m = { ...base, type };
      break;
  }
  r.end('message');
  return m;
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new Writer();
  writeEntry(w, e);
  return w.done();
}

export function decodeEntry(b: Uint8Array): Entry {
  const r = new Reader(b);
  const e = readEntry(r);
  r.end('entry');
  return e;
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new Writer();
  writeSnapshot(w, s);
  return w.done();
}

export function decodeSnapshot(b: Uint8Array): Snapshot {
  const r = new Reader(b);
  const s = readSnapshot(r);
  r.end('snapshot');
  return s;
}

export function encodeHardState(h: HardState): Uint8Array {
  const w = new Writer();
  w.num(h.term);
  w.num(h.commit);
  w.u8(h.vote === null ? 0 : 1);
  if (h.vote !== null) w.str(h.vote);
  return w.done();
}

export function decodeHardState(b: Uint8Array): HardState {
  const r = new Reader(b);
  const term = r.num('term');
  const commit = r.num('commit');
  const vote = r.bool('vote present') ? r.id('vote') : null;
  r.end('hard state');
  return { term, vote, commit };
}
