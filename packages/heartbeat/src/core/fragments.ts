/**
 * Fragments of a message larger than one packet, and their reassembly (pure: time is an input).
 *
 * A message of `totalBytes` is cut into `count = ceil(totalBytes / chunkBytes)` fragments; fragment
 * `index` carries bytes [index * chunkBytes, min((index + 1) * chunkBytes, totalBytes)). Every
 * fragment repeats the whole header, so any one of them describes the message and the receiver
 * checks each against the first it saw. Fragment body layout (big-endian):
 *
 *   off len field
 *     0   4 message id (per sender incarnation, grows)
 *     4   4 fragment index (0-based)
 *     8   4 fragment count (2..maxFragments)
 *    12   4 total message bytes (1..maxMessageBytes)
 *    16   4 chunk bytes (every fragment but the last carries exactly this many)
 *    20   1 the message's own type (anything but a fragment, an ack or a bundle)
 *    21   n the fragment's bytes
 *
 * The receiver answers with acks (`FragmentAck`: message id, fragments received so far) that only
 * pace the sender; a lost fragment loses the whole message, which the layer above resends.
 */

export const FRAGMENT_HEADER_BYTES = 21;
export const FRAGMENT_ACK_BYTES = 8;
/** Smallest chunk a sender may use: keeps the fragment count of a large message bounded. */
export const MIN_CHUNK_BYTES = 1024;

export interface FragmentLimits {
  /** Largest message, in bytes, that may be sent in fragments. */
  readonly maxMessageBytes: number;
  /** Fragments one message may have. */
  readonly maxFragments: number;
  /** Messages being reassembled at once from one peer; a newer one evicts the oldest. */
  readonly maxReassembliesPerPeer: number;
  /** Bytes (declared totals) being reassembled at once from one peer. */
  readonly maxReassemblyBytesPerPeer: number;
  /**
   * Bytes (declared totals) being reassembled at once from all peers together: without it, 32
   * peers at their own bound could hold 1 GiB. When a new message would pass it, its sender's
   * own older partial messages are evicted first (a sender sends one message at a time); if it
   * still does not fit, the new message is refused (`overBudget`; its later fragments are stale)
   * and the partial messages of other peers are left to complete or expire: a flood from some
   * peers cannot evict what others are sending. The sender's layer above resends.
   */
  readonly maxReassemblyBytesTotal: number;
  /** A partial message with no new fragment for this long is dropped. */
  readonly reassemblyIdleMs: number;
  /** A partial message older than this is dropped, fragments still coming or not. */
  readonly reassemblyMaxMs: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxFragments: 2048,
  maxReassembliesPerPeer: 4,
  maxReassemblyBytesPerPeer: 32 * 1024 * 1024,
  maxReassemblyBytesTotal: 64 * 1024 * 1024,
  reassemblyIdleMs: 2000,
  reassemblyMaxMs: 30_000,
};

export interface FragmentHeader {
  readonly messageId: number;
  readonly index: number;
  readonly count: number;
  readonly totalBytes: number;
  readonly chunkBytes: number;
  readonly type: number;
}

export interface Fragment extends FragmentHeader {
  readonly data: Uint8Array;
}

/** Counters of the receiving side. */
export interface ReassemblyCounters {
  fragmentsReceived: number;
  messagesReceived: number;
  /** Fragments whose header is inconsistent (with itself or the message's other fragments). */
  malformed: number;
  /** Fragments declaring a message beyond the limits (size, count). */
  overLimit: number;
  /** Fragments of a message already complete or given up (a late duplicate of a resend). */
  stale: number;
  /** Partial messages dropped to make room for a newer one from the same peer. */
  evicted: number;
  /**
   * New messages refused because all peers' partial messages together would pass
   * `maxReassemblyBytesTotal` (counted once, at the first fragment; the later ones are stale).
   */
  overBudget: number;
  /** Partial messages dropped at their deadline. */
  expired: number;
  /** Partial messages dropped because the sender restarted. */
  restarted: number;
}

export function zeroReassemblyCounters(): ReassemblyCounters {
  return {
    fragmentsReceived: 0,
    messagesReceived: 0,
    malformed: 0,
    overLimit: 0,
    stale: 0,
    evicted: 0,
    overBudget: 0,
    expired: 0,
    restarted: 0,
  };
}

export function fragmentCount(totalBytes: number, chunkBytes: number): number {
  return Math.ceil(totalBytes / chunkBytes);
}

/** Bytes fragment `index` of a message carries. */
export function fragmentBytes(h: FragmentHeader): number {
  return h.index < h.count - 1 ? h.chunkBytes : h.totalBytes - h.chunkBytes * (h.count - 1);
}

/** Builds fragment `index` of `message` (the header and a copy of its bytes). */
export function encodeFragment(
  messageId: number,
  type: number,
  message: Uint8Array,
  chunkBytes: number,
  index: number,
): Uint8Array {
  const count = fragmentCount(message.length, chunkBytes);
  const from = index * chunkBytes;
  const to = Math.min(from + chunkBytes, message.length);
  const out = new Uint8Array(FRAGMENT_HEADER_BYTES + (to - from));
  const v = new DataView(out.buffer);
  v.setUint32(0, messageId);
  v.setUint32(4, index);
  v.setUint32(8, count);
  v.setUint32(12, message.length);
  v.setUint32(16, chunkBytes);
  v.setUint8(20, type);
  out.set(message.subarray(from, to), FRAGMENT_HEADER_BYTES);
  return out;
}

/** The header and bytes of a fragment body, or undefined when it is too short to hold them. */
export function decodeFragment(body: Uint8Array): Fragment | undefined {
  if (body.length < FRAGMENT_HEADER_BYTES) return undefined;
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    messageId: v.getUint32(0),
    index: v.getUint32(4),
    count: v.getUint32(8),
    totalBytes: v.getUint32(12),
    chunkBytes: v.getUint32(16),
    type: v.getUint8(20),
    data: body.subarray(FRAGMENT_HEADER_BYTES),
  };
}

export interface FragmentAck {
  readonly messageId: number;
  readonly received: number;
}

export function encodeAck(a: FragmentAck): Uint8Array {
  const out = new Uint8Array(FRAGMENT_ACK_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, a.messageId);
  v.setUint32(4, a.received);
  return out;
}

export function decodeAck(body: Uint8Array): FragmentAck | undefined {
  if (body.length !== FRAGMENT_ACK_BYTES) return undefined;
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return { messageId: v.getUint32(0), received: v.getUint32(4) };
}

/**
 * Why a fragment header is refused before any state is touched: `malformed` when it contradicts
 * itself, `overLimit` when it is consistent but beyond `limits`; undefined when acceptable.
 * `forbiddenType` names inner types that may not be fragmented (fragments, acks, bundles).
 */
export function checkFragment(
  f: Fragment,
  limits: FragmentLimits,
  forbiddenType: (type: number) => boolean,
): 'malformed' | 'overLimit' | undefined {
  if (f.type === 0 || forbiddenType(f.type)) return 'malformed';
  if (f.totalBytes === 0 || f.chunkBytes < MIN_CHUNK_BYTES) return 'malformed';
  if (f.count !== fragmentCount(f.totalBytes, f.chunkBytes) || f.count < 2) return 'malformed';
  if (f.index >= f.count) return 'malformed';
  if (f.data.length !== fragmentBytes(f)) return 'malformed';
  if (f.totalBytes > limits.maxMessageBytes || f.count > limits.maxFragments) return 'overLimit';
  return undefined;
}

interface Partial {
  readonly header: FragmentHeader;
  readonly bytes: Uint8Array;
  readonly have: Uint8Array;
  received: number;
  readonly startMs: number;
  lastMs: number;
}

interface PeerState {
  incarnation: number;
  readonly partials: Map<number, Partial>;
  /** Ids of messages completed or dropped lately: their late fragments are stale. */
  readonly done: number[];
}

/** Completed or dropped message ids remembered per peer. */
const DONE_KEPT = 64;

export type ReassemblyResult =
  | {
      readonly kind: 'complete';
      readonly type: number;
      readonly body: Uint8Array;
      ack: FragmentAck;
    }
  | { readonly kind: 'partial'; readonly ack: FragmentAck }
  | {
      readonly kind: 'dropped';
      readonly reason: DropReason;
    };

/** Why a fragment was dropped (each has its counter). */
export type DropReason = 'malformed' | 'overLimit' | 'stale' | 'overBudget';

/**
 * Reassembles fragmented messages per peer, within `limits`. Nothing here trusts a fragment
 * beyond its authentication: every header is checked, on its own and against the message's first
 * fragment, and a fragment that fails is counted and dropped without touching any partial message.
 */
export class Reassembler {
  readonly counters = zeroReassemblyCounters();
  private readonly peers = new Map<number, PeerState>();
  /** Declared bytes of every partial message, all peers together. */
  private reservedBytes = 0;

  constructor(
    readonly limits: FragmentLimits,
    private readonly forbiddenType: (type: number) => boolean,
  ) {}

  /** Handles one authenticated fragment body from `peer` (in its `incarnation`) at `nowMs`. */
  push(peer: number, incarnation: number, body: Uint8Array, nowMs: number): ReassemblyResult {
    const f = decodeFragment(body);
    if (!f) return this.drop('malformed');
    const verdict = checkFragment(f, this.limits, this.forbiddenType);
    if (verdict) return this.drop(verdict);
    let ps = this.peers.get(peer);
    if (!ps || incarnation > ps.incarnation) {
      if (ps) {
        this.counters.restarted += ps.partials.size;
        for (const p of ps.partials.values()) this.reservedBytes -= p.header.totalBytes;
      }
      ps = { incarnation, partials: new Map(), done: [] };
      this.peers.set(peer, ps);
    } else if (incarnation < ps.incarnation) {
      return this.drop('stale');
    }
    let p = ps.partials.get(f.messageId);
    if (p) {
      const h = p.header;
      if (
        h.count !== f.count ||
        h.totalBytes !== f.totalBytes ||
        h.chunkBytes !== f.chunkBytes ||
        h.type !== f.type
      ) {
        return this.drop('malformed');
      }
    } else {
      if (ps.done.includes(f.messageId)) return this.drop('stale');
      if (
        f.totalBytes > this.limits.maxReassemblyBytesPerPeer ||
        f.totalBytes > this.limits.maxReassemblyBytesTotal
      )
        return this.drop('overLimit');
      this.makeRoom(ps, f.totalBytes);
      if (!this.fitsTotal(ps, f.totalBytes)) {
        // Given up as a whole: its later fragments are stale, so no partial copy of it (which
        // could never complete) takes room freed meanwhile.
        this.remember(ps, f.messageId);
        return this.drop('overBudget');
      }
      this.reservedBytes += f.totalBytes;
      p = {
        header: {
          messageId: f.messageId,
          index: 0,
          count: f.count,
          totalBytes: f.totalBytes,
          chunkBytes: f.chunkBytes,
          type: f.type,
        },
        bytes: new Uint8Array(f.totalBytes),
        have: new Uint8Array(f.count),
        received: 0,
        startMs: nowMs,
        lastMs: nowMs,
      };
      ps.partials.set(f.messageId, p);
    }
    this.counters.fragmentsReceived++;
    p.lastMs = nowMs;
    if (p.have[f.index] === 0) {
      p.have[f.index] = 1;
      p.received++;
      p.bytes.set(f.data, f.index * f.chunkBytes);
    }
    const ack = { messageId: f.messageId, received: p.received };
    if (p.received < p.header.count) return { kind: 'partial', ack };
    this.forget(ps, f.messageId, p);
    this.counters.messagesReceived++;
    return { kind: 'complete', type: p.header.type, body: p.bytes, ack };
  }

  /** Drops partial messages past their deadline; returns how many. */
  expire(nowMs: number): number {
    let n = 0;
    for (const ps of this.peers.values()) {
      for (const [id, p] of ps.partials) {
        if (
          nowMs - p.lastMs >= this.limits.reassemblyIdleMs ||
          nowMs - p.startMs >= this.limits.reassemblyMaxMs
        ) {
          this.forget(ps, id, p);
          n++;
        }
      }
    }
    this.counters.expired += n;
    return n;
  }

  /** When the next partial message falls due, or undefined when none is pending. */
  nextDeadlineMs(): number | undefined {
    let next: number | undefined;
    for (const ps of this.peers.values()) {
      for (const p of ps.partials.values()) {
        const due = Math.min(
          p.lastMs + this.limits.reassemblyIdleMs,
          p.startMs + this.limits.reassemblyMaxMs,
        );
        if (next === undefined || due < next) next = due;
      }
    }
    return next;
  }

  /** Partial messages and the bytes they reserve, across peers. */
  pending(): { messages: number; bytes: number } {
    let messages = 0;
    for (const ps of this.peers.values()) messages += ps.partials.size;
    return { messages, bytes: this.reservedBytes };
  }

  clear(): void {
    this.peers.clear();
    this.reservedBytes = 0;
  }

  /**
   * Whether a new message of `bytes` fits the node-wide bound, after evicting what `ps` (its
   * sender) still has partial: an older message of the same sender was lost, as in `makeRoom`.
   */
  private fitsTotal(ps: PeerState, bytes: number): boolean {
    const total = this.limits.maxReassemblyBytesTotal;
    while (ps.partials.size > 0 && this.reservedBytes + bytes > total) this.evictOldest(ps);
    return this.reservedBytes + bytes <= total;
  }

  private makeRoom(ps: PeerState, bytes: number): void {
    const reserved = (): number => {
      let n = 0;
      for (const p of ps.partials.values()) n += p.header.totalBytes;
      return n;
    };
    while (
      ps.partials.size > 0 &&
      (ps.partials.size >= this.limits.maxReassembliesPerPeer ||
        reserved() + bytes > this.limits.maxReassemblyBytesPerPeer)
    ) {
      this.evictOldest(ps);
    }
  }

  /** Oldest first: a sender sends one message at a time, so an older partial was lost. */
  private evictOldest(ps: PeerState): void {
    const [entry] = ps.partials;
    if (entry === undefined) return;
    this.forget(ps, entry[0], entry[1]);
    this.counters.evicted++;
  }

  /** Drops a partial message (complete, expired or evicted) and releases its bytes. */
  private forget(ps: PeerState, id: number, p: Partial): void {
    ps.partials.delete(id);
    this.reservedBytes -= p.header.totalBytes;
    this.remember(ps, id);
  }

  private remember(ps: PeerState, id: number): void {
    ps.done.push(id);
    if (ps.done.length > DONE_KEPT) ps.done.shift();
  }

  private drop(reason: DropReason): ReassemblyResult {
    this.counters[reason]++;
    return { kind: 'dropped', reason };
  }
}
