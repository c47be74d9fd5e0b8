import type { Clock, TimerHandle } from '@vigil/base';
import {
  DEFAULT_FRAGMENT_LIMITS,
  FRAGMENT_HEADER_BYTES,
  Reassembler,
  decodeAck,
  encodeAck,
  encodeFragment,
  fragmentCount,
  type FragmentLimits,
} from './core/fragments.js';

/** Wire message types of fragments and their acks (1..4 are heartbeat, Raft, app, bundle). */
export const MSG_FRAGMENT = 5;
export const MSG_FRAGMENT_ACK = 6;

/**
 * Fragments sent to one peer and not yet acknowledged: the sender's window, at most. The
 * window actually used is `windowFor` this node's receive buffer (peers are set up alike).
 */
export const FRAGMENT_WINDOW = 8;
/** The smallest window: below it a round trip per fragment would bound the throughput. */
export const MIN_FRAGMENT_WINDOW = 2;
/** What the kernel counts per datagram beyond its bytes (sk_buff and allocation slack). */
const PER_PACKET_OVERHEAD_BYTES = 8 * 1024;

/**
 * The window for a receive buffer of `recvBufferBytes` (as the kernel reports it): fragments
 * filling half of it, the rest left to heartbeats and other traffic, within
 * MIN_FRAGMENT_WINDOW..FRAGMENT_WINDOW. On Linux's default maximum (208 KiB asked, 416 KiB
 * counted) that is 3; where the host allows the 4 MiB udp.ts asks for, 8.
 */
export function windowFor(recvBufferBytes: number, maxPacketBytes: number): number {
  const fit = Math.floor(recvBufferBytes / 2 / (maxPacketBytes + PER_PACKET_OVERHEAD_BYTES));
  return Math.max(MIN_FRAGMENT_WINDOW, Math.min(FRAGMENT_WINDOW, fit));
}
/** The receiver acknowledges every this many fragments of a message, and its last one. */
export const ACK_EVERY = 2;
/** A sender whose window stays full this long without an ack gives the message up. */
export const STALL_MS = 1000;
/** While the window is full, how often the sender checks whether the peer restarted. */
export const RESTART_CHECK_MS = 100;
/** Messages queued for one peer (the one being sent included); beyond, new ones are dropped. */
export const MAX_QUEUED_MESSAGES = 8;
/** Bytes queued for one peer; beyond, new messages are dropped. */
export const MAX_QUEUED_BYTES = 48 * 1024 * 1024;
/**
 * After the last fragment of a message went out, a message with the same key (a Raft resend of
 * the same snapshot or append) is not sent again for this long plus the time the message took
 * to send: the first may still be on its way or being persisted.
 */
export const RESEND_HOLD_MS = 200;

export interface FragmentStats {
  readonly messagesSent: number;
  readonly fragmentsSent: number;
  readonly messagesReceived: number;
  readonly fragmentsReceived: number;
  /** Partial messages dropped at their reassembly deadline. */
  readonly expired: number;
  readonly dropped: {
    /** Received fragments with an inconsistent header. */
    readonly malformed: number;
    /** Received fragments of a message beyond the limits. */
    readonly overLimit: number;
    /** Received fragments of a message already complete or dropped. */
    readonly stale: number;
    /** Partial messages dropped for a newer one (per-peer bounds). */
    readonly evicted: number;
    /**
     * New messages refused because the partial messages of all peers together would pass the
     * node-wide bound (`maxReassemblyBytesTotal`, 64 MiB by default).
     */
    readonly overBudget: number;
    /** Partial messages dropped because their sender restarted. */
    readonly restarted: number;
    /** Messages not sent: the same message (same key) was already on its way. */
    readonly coalesced: number;
    /** Messages not sent: the peer's queue was full. */
    readonly queueFull: number;
    /** Messages given up by the sender: no ack while its window was full. */
    readonly stalled: number;
    /** Messages not sent or given up because the failure detector had the peer down. */
    readonly peerDown: number;
    /** Messages given up because the peer restarted while they were on their way. */
    readonly peerRestarted: number;
  };
  /** Messages being reassembled now, and the bytes they reserve. */
  readonly reassembling: { readonly messages: number; readonly bytes: number };
  /** Messages queued for sending now (across peers). */
  readonly queued: number;
  /** Fragments this node sends ahead of a peer's acks at most. */
  readonly window: number;
}

interface Outgoing {
  readonly id: number;
  readonly type: number;
  readonly body: Uint8Array;
  readonly key: string | undefined;
  readonly count: number;
  next: number;
  acked: number;
  /** When its first fragment went out. */
  startMs: number;
  /** The peer's incarnation then (a restarted peer has lost the fragments before). */
  peerIncarnation: number | undefined;
}

/** A message all sent whose fragments are not all acknowledged yet: it still fills the window. */
interface Awaiting {
  readonly count: number;
  sent: number;
  acked: number;
}

interface PeerQueue {
  readonly items: Outgoing[];
  /** Messages all sent and not all acknowledged, by id (at most MAX_QUEUED_MESSAGES). */
  readonly awaiting: Map<number, Awaiting>;
  bytes: number;
  /** The check while the window is full (`onBlocked`), and since when it has been full. */
  stall: TimerHandle | undefined;
  blockedSinceMs: number;
  /** Keys of messages sent lately, with the time until which a resend is held back. */
  readonly recent: Map<string, number>;
}

export interface LargeMessageHooks {
  /** Sends one fragment (a MSG_FRAGMENT body) to `peer` as a packet of its own. */
  readonly sendFragment: (peer: number, body: Uint8Array) => void;
  /** Sends an ack (a MSG_FRAGMENT_ACK body) to `peer`. */
  readonly sendAck: (peer: number, body: Uint8Array) => void;
  /** A reassembled message from `peer`. */
  readonly deliver: (peer: number, type: number, body: Uint8Array) => void;
  /** The peer's current incarnation as the wire knows it (absent: never checked). */
  readonly peerIncarnation?: (peer: number) => number | undefined;
}

/**
 * Messages larger than one packet, both ways: cut into fragments sent at most `window`
 * ahead of the receiver's acks (so a multi-MiB snapshot does not overrun the receiver's socket
 * buffer), one message at a time per peer, and reassembled within the bounds of
 * `FragmentLimits`. The acks only pace: a lost fragment loses the whole message, and the layer
 * above (Raft, the application's requests) sends it again. Timers run only while a large message
 * is on its way; an idle node has none.
 */
export class LargeMessages {
  readonly reassembler: Reassembler;
  private readonly queues = new Map<number, PeerQueue>();
  private nextId = 0;
  private expiry: { timer: TimerHandle; atMs: number } | undefined;
  private closed = false;
  private readonly sent = {
    messagesSent: 0,
    fragmentsSent: 0,
    coalesced: 0,
    queueFull: 0,
    stalled: 0,
    peerDown: 0,
    peerRestarted: 0,
  };

  constructor(
    private readonly clock: Clock,
    /** Largest fragment body one packet carries. */
    private readonly maxBodyBytes: number,
    private readonly hooks: LargeMessageHooks,
    readonly limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS,
    /** Fragments unacknowledged at most (see `windowFor`). */
    readonly window: number = FRAGMENT_WINDOW,
  ) {
    this.reassembler = new Reassembler(
      limits,
      (t) => t === MSG_FRAGMENT || t === MSG_FRAGMENT_ACK || t === 4,
    );
  }

  get chunkBytes(): number {
    return this.maxBodyBytes - FRAGMENT_HEADER_BYTES;
  }

  /**
   * Queues `body` (larger than one packet, at most `limits.maxMessageBytes`) for `peer`. A `key`
   * names the message for de-duplication: while one with the same key is queued or was sent
   * less than RESEND_HOLD_MS ago, the new one is dropped (counted as coalesced). Returns false
   * when the message was not queued.
   */
  send(peer: number, type: number, body: Uint8Array, key?: string): boolean {
    if (this.closed || body.length > this.limits.maxMessageBytes) return false;
    let q = this.queues.get(peer);
    if (!q) {
      q = {
        items: [],
        awaiting: new Map(),
        bytes: 0,
        stall: undefined,
        blockedSinceMs: 0,
        recent: new Map(),
      };
      this.queues.set(peer, q);
    }
    if (key !== undefined) {
      const now = this.clock.monotonicMs();
      for (const [k, until] of q.recent) if (until <= now) q.recent.delete(k);
      if (q.recent.has(key) || q.items.some((o) => o.key === key)) {
        this.sent.coalesced++;
        return false;
      }
    }
    if (q.items.length >= MAX_QUEUED_MESSAGES || q.bytes + body.length > MAX_QUEUED_BYTES) {
      this.sent.queueFull++;
      return false;
    }
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    q.items.push({
      id: this.nextId,
      type,
      body,
      key,
      count: fragmentCount(body.length, this.chunkBytes),
      next: 0,
      acked: 0,
      startMs: -1,
      peerIncarnation: undefined,
    });
    q.bytes += body.length;
    // While the window is full the message waits its turn: only acks (or the check) move on.
    if (!q.stall) this.pump(peer, q);
    return true;
  }

  /** An ack from `peer`: more of its window is free. */
  onAck(peer: number, body: Uint8Array): boolean {
    const a = decodeAck(body);
    if (!a) return false;
    const q = this.queues.get(peer);
    if (!q) return true;
    const cur = q.items[0];
    const m = cur?.id === a.messageId ? cur : q.awaiting.get(a.messageId);
    if (!m) return true;
    const acked = Math.min(a.received, m === cur ? cur.next : (m as Awaiting).sent);
    if (acked <= m.acked) return true;
    m.acked = acked;
    if (m !== cur && acked >= m.count) q.awaiting.delete(a.messageId);
    this.pump(peer, q);
    return true;
  }

  /** A fragment from `peer`; false when it was malformed (the caller counts it on the wire). */
  onFragment(peer: number, incarnation: number, body: Uint8Array): boolean {
    const r = this.reassembler.push(peer, incarnation, body, this.clock.monotonicMs());
    // A refused well-formed fragment is no wire error: only malformed and over-limit ones are.
    if (r.kind === 'dropped') return r.reason === 'stale' || r.reason === 'overBudget';
    const last = r.kind === 'complete';
    if (last || r.ack.received % ACK_EVERY === 0) this.hooks.sendAck(peer, encodeAck(r.ack));
    if (r.kind === 'complete') this.hooks.deliver(peer, r.type, r.body);
    this.armExpiry();
    return true;
  }

  stats(): FragmentStats {
    const c = this.reassembler.counters;
    let queued = 0;
    for (const q of this.queues.values()) queued += q.items.length;
    return {
      messagesSent: this.sent.messagesSent,
      fragmentsSent: this.sent.fragmentsSent,
      messagesReceived: c.messagesReceived,
      fragmentsReceived: c.fragmentsReceived,
      expired: c.expired,
      dropped: {
        malformed: c.malformed,
        overLimit: c.overLimit,
        stale: c.stale,
        evicted: c.evicted,
        overBudget: c.overBudget,
        restarted: c.restarted,
        coalesced: this.sent.coalesced,
        queueFull: this.sent.queueFull,
        stalled: this.sent.stalled,
        peerDown: this.sent.peerDown,
        peerRestarted: this.sent.peerRestarted,
      },
      reassembling: this.reassembler.pending(),
      queued,
      window: this.window,
    };
  }

  /**
   * The peer is down (or was never seen up): drops what is queued for it; megabytes sent into
   * the void would only hold up what it needs once back (Raft sends it again then).
   */
  dropPeer(peer: number): void {
    const q = this.queues.get(peer);
    if (!q) return;
    q.stall?.cancel();
    this.sent.peerDown += q.items.length;
    this.queues.delete(peer);
  }

  /** Counts a message the caller did not send because its peer is down. */
  refusePeerDown(): void {
    this.sent.peerDown++;
  }

  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) q.stall?.cancel();
    this.queues.clear();
    this.expiry?.timer.cancel();
    this.expiry = undefined;
    this.reassembler.clear();
  }

  /** Fragments sent to the peer and not acknowledged, across its messages. */
  private outstanding(q: PeerQueue): number {
    let n = 0;
    for (const a of q.awaiting.values()) n += a.sent - a.acked;
    const cur = q.items[0];
    return cur ? n + cur.next - cur.acked : n;
  }

  /** Sends what the window allows; moves to the next message once one is all sent. */
  private pump(peer: number, q: PeerQueue): void {
    q.stall?.cancel();
    q.stall = undefined;
    let open = this.window - this.outstanding(q);
    for (;;) {
      const cur = q.items[0];
      if (!cur || this.closed) return;
      if (cur.startMs < 0) {
        cur.startMs = this.clock.monotonicMs();
        cur.peerIncarnation = this.hooks.peerIncarnation?.(peer);
      }
      while (cur.next < cur.count && open > 0) {
        const body = encodeFragment(cur.id, cur.type, cur.body, this.chunkBytes, cur.next);
        cur.next++;
        open--;
        this.sent.fragmentsSent++;
        this.hooks.sendFragment(peer, body);
      }
      if (cur.next < cur.count) {
        q.blockedSinceMs = this.clock.monotonicMs();
        q.stall = this.clock.setTimer(RESTART_CHECK_MS, () => this.onBlocked(peer, q, cur));
        return;
      }
      this.sent.messagesSent++;
      if (cur.acked < cur.count) {
        q.awaiting.set(cur.id, { count: cur.count, sent: cur.next, acked: cur.acked });
        // Bounded: the oldest is forgotten (its fragments count as lost).
        if (q.awaiting.size > MAX_QUEUED_MESSAGES)
          q.awaiting.delete(q.awaiting.keys().next().value!);
      }
      this.finish(q, cur);
    }
  }

  /**
   * The window is still full, no ack came. If the peer restarted, it lost the fragments it had:
   * the message is given up at once. After STALL_MS the fragments still unacknowledged are
   * taken as lost: messages all sent stop counting, and the one being sent is given up if it
   * alone fills the window (its receiver is gone or cannot keep up), else it goes on.
   */
  private onBlocked(peer: number, q: PeerQueue, cur: Outgoing): void {
    q.stall = undefined;
    if (q.items[0] !== cur || this.closed) return;
    const now = this.clock.monotonicMs();
    const inc = this.hooks.peerIncarnation?.(peer);
    if (inc !== cur.peerIncarnation) {
      q.awaiting.clear();
      this.sent.peerRestarted++;
      this.finish(q, cur);
    } else if (now - q.blockedSinceMs >= STALL_MS) {
      q.awaiting.clear();
      if (cur.next - cur.acked >= this.window) {
        this.sent.stalled++;
        this.finish(q, cur);
      }
    } else {
      q.stall = this.clock.setTimer(RESTART_CHECK_MS, () => this.onBlocked(peer, q, cur));
      return;
    }
    this.pump(peer, q);
  }

  private finish(q: PeerQueue, cur: Outgoing): void {
    q.items.shift();
    q.bytes -= cur.body.length;
    if (cur.key === undefined) return;
    const now = this.clock.monotonicMs();
    q.recent.set(cur.key, now + RESEND_HOLD_MS + (now - cur.startMs));
  }

  /** One timer, at the earliest reassembly deadline, while any message is partial. */
  private armExpiry(): void {
    const due = this.reassembler.nextDeadlineMs();
    if (due === undefined) {
      this.expiry?.timer.cancel();
      this.expiry = undefined;
      return;
    }
    if (this.expiry && this.expiry.atMs <= due) return;
    this.expiry?.timer.cancel();
    const now = this.clock.monotonicMs();
    const timer = this.clock.setTimer(Math.max(1, due - now), () => {
      this.expiry = undefined;
      if (this.closed) return;
      this.reassembler.expire(this.clock.monotonicMs());
      this.armExpiry();
    });
    this.expiry = { timer, atMs: due };
  }
}
