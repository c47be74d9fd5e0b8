import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { VigilError, assert, type Clock, type TimerHandle } from '@vigil/base';
import { NodeDisk, SystemClock, SystemRandom } from '@vigil/base/real';
import {
  RaftStorage,
  RawNode,
  decodeMessage,
  encodeMessage,
  type Entry,
  type Message,
  type Ready,
  type Status as RaftStatus,
} from '@vigil/raft';
import { Reader, WireEndpoint, Writer, loadAuthkeyFile, type WireStats } from '@vigil/wire';
import { FailureDetector, quorumOf, type DetectorEvent, type QuorumState } from './core/index.js';
import { parseAddr, type LinkAddr, type MessagingConfig, type NodeSpec } from './config.js';
import { DetectorChecks } from './checks.js';
import { MSG_BUNDLE, Outbox, decodeBundle } from './outbox.js';
import { BoundedQueue } from './queue.js';
import { AppInbox, MSG_APP, type AppStats } from './app-channel.js';
import { Ticker } from './ticker.js';
import {
  LargeMessages,
  MSG_FRAGMENT,
  MSG_FRAGMENT_ACK,
  windowFor,
  type FragmentStats,
} from './large-messages.js';
import { raftMessageKey, raftSizeLimits } from './large-raft.js';
import { UdpTransport } from './udp.js';

/** Wire message types of the messaging layer. */
export const MSG_HEARTBEAT = 1;
export const MSG_RAFT = 2;

/** Deadline for one persist (append + fsync); a disk that hangs longer takes the node down. */
const PERSIST_TIMEOUT_MS = 10_000;
/** Deadline for each start-up step that touches the disk. */
const START_TIMEOUT_MS = 60_000;
/** Raft inputs (received messages, proposals) queued while a Ready is being persisted. */
const MAX_INPUTS = 20_000;
/**
 * Election ticks a follower may hold back while the failure detector still hears the leader's
 * heartbeats (its Raft traffic is late, e.g. it is blocked in a slow fsync). Bounds the delay a
 * hung leader can cause: 40 ticks of 25 ms = 1 s, and a persist that hangs 10 s is fatal anyway.
 */
const MAX_HELD_TICKS = 40;
/** Links per node (parseConfig allows 1..8); outbox keys are `peer id * MAX_LINKS + link`. */
const MAX_LINKS = 8;
const SUBSCRIBER_CAPACITY = 8192;
const MAX_SUBSCRIBERS = 64;

export type MessagingEvent =
  | {
      readonly type: 'leader';
      readonly term: number;
      readonly leader: string | null;
      readonly leaderAddress: string | null;
      readonly role: string;
    }
  /** This node leads `term` and has committed an entry in it: it can serve proposals. */
  | { readonly type: 'leaderReady'; readonly term: number; readonly leader: string }
  | {
      readonly type: 'membership';
      readonly peer: string;
      readonly up: boolean;
      readonly members: readonly string[];
    }
  | {
      readonly type: 'quorum';
      readonly hasQuorum: boolean;
      readonly votes: number;
      readonly needed: number;
      readonly present: readonly string[];
    }
  | {
      readonly type: 'link';
      readonly peer: string;
      readonly link: number;
      readonly up: boolean;
      readonly silentMs: number;
    }
  | {
      readonly type: 'late';
      readonly peer: string;
      readonly link: number;
      readonly silentMs: number;
      readonly phi: number;
    }
  | { readonly type: 'raftMembership'; readonly members: readonly { id: string; role: string }[] }
  | { readonly type: 'fatal'; readonly message: string };

/** A Raft snapshot of the state machine: its data covers every entry up to `index`. */
export interface StateSnapshot {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

export interface CommittedEntry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

export interface LinkStats {
  readonly link: number;
  readonly address: string;
  readonly state: string;
  readonly phi: number;
  readonly silentMs: number;
  readonly deadlineMs: number;
  readonly meanIntervalMs: number;
  readonly rttMs: number | null;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly heartbeats: number;
  readonly downs: number;
  readonly lates: number;
}

export interface PeerStats {
  readonly name: string;
  readonly id: number;
  readonly role: string;
  readonly member: boolean;
  readonly accepted: number;
  readonly rejected: number;
  readonly links: readonly LinkStats[];
}

export interface NodeStatus {
  readonly name: string;
  readonly incarnation: number;
  readonly term: number;
  readonly role: string;
  readonly leader: string | null;
  readonly leaderAddress: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly quorum: QuorumState;
  readonly raftHasQuorum: boolean;
  readonly members: readonly string[];
  readonly peers: readonly PeerStats[];
  readonly wire: WireStats;
  readonly dropped: {
    readonly inputOverflow: number;
    readonly oversizeMessages: number;
    readonly sendErrors: number;
  };
  readonly detectorStalls: number;
  /** The application channel (`sendApp`, `app` events). */
  readonly app: AppStats;
  /** Messages larger than one packet, sent and received in fragments (`large-messages.ts`). */
  readonly fragments: FragmentStats;
  /** First index still in the log (after the last snapshot). */
  readonly firstIndex: number;
  /** Raft I/O: Readies handled, persists (with their time) and entries written. */
  readonly raftIo: {
    readonly readies: number;
    readonly persists: number;
    readonly persistMsTotal: number;
    readonly persistMsMax: number;
    readonly entries: number;
    /** Election ticks a follower held back while the leader's heartbeats still arrived. */
    readonly heldTicks: number;
  };
}

export interface StartOptions {
  readonly clock?: Clock;
  /**
   * Called synchronously for every committed normal entry, in log order, before subscribers see
   * it. After a restart the log is replayed from the newest snapshot (`onSnapshot`), or from
   * index 1 when the log was never compacted.
   */
  readonly onCommitted?: (e: CommittedEntry) => void;
  /**
   * Called synchronously with the newest snapshot on disk at start (before any committed entry
   * is replayed), and whenever this node installs a snapshot sent by the leader: the state
   * machine replaces its state with `data`, then sees the entries after `index`.
   */
  readonly onSnapshot?: (s: StateSnapshot) => void;
  /** Socket buffers to ask the kernel for, per link (default 4 MiB; tests use less). */
  readonly socketBufferBytes?: number;
}

interface Pending {
  readonly term: number;
  readonly resolve: (index: number) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: TimerHandle;
}

interface LinkCounters {
  packetsIn: number;
  packetsOut: number;
  rttMs: number | null;
  /** Last heartbeat from the peer on this link: its send stamp and when we got it. */
  echo: { sentMs: number; atMs: number } | undefined;
  /** When our last heartbeat to the peer on this link was queued. */
  lastSentMs: number;
}

interface Peer {
  readonly spec: NodeSpec;
  readonly addrs: readonly LinkAddr[];
  readonly links: LinkCounters[];
}

function rethrowable(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * The messaging layer of one node: heartbeats and failure detection over authenticated UDP on
 * every link, membership and quorum, and the shell that drives the pure Raft core with the real
 * clock, those sockets and the real disk.
 *
 * Raft messages travel in the same authenticated, encrypted UDP packets as heartbeats. Appends
 * are bounded by the core's `maxBatchBytes` (32 KiB), or one entry when it is larger. The log is
 * compacted only when the state machine asks (`compactLog`); a follower behind it is then sent
 * the snapshot. A message larger than one datagram (a large entry, a snapshot) travels in
 * fragments (`large-messages.ts`, at most 16 MiB); one larger still is dropped and counted
 * (`dropped.oversizeMessages`), which `propose` and `compactLog` prevent by their own limits.
 * Reassembly holds at most 4 messages and 32 MiB per peer and 64 MiB across all peers
 * (`DEFAULT_FRAGMENT_LIMITS`); a new message beyond the node-wide bound is refused and counted
 * (`status().fragments.dropped.overBudget`).
 *
 * Application messages (`sendApp`, `app` events) share the sockets: unreliable, in fragments
 * beyond one packet, a bounded inbox on receipt (`app-channel.ts`).
 *
 * Every Raft input (tick, message, proposal) goes through one queue drained by a single pump,
 * so the core is only touched between `advance` and the next `ready`.
 */
export class MessagingNode extends EventEmitter {
  private readonly peers = new Map<string, Peer>();
  private readonly peersById = new Map<number, Peer>();
  private readonly pending = new Map<number, Pending>();
  private readonly subscribers = new Set<BoundedQueue<CommittedEntry>>();
  private readonly eventSubscribers = new Set<BoundedQueue<MessagingEvent>>();
  private readonly inputs: (() => void)[] = [];
  private readonly timers: TimerHandle[] = [];
  private readonly outbox: Outbox<number>;
  private pendingTicks = 0;
  private pumping = false;
  private closed = false;
  private inputOverflow = 0;
  private readonly io = {
    readies: 0,
    persists: 0,
    persistMsTotal: 0,
    persistMsMax: 0,
    entries: 0,
    heldTicks: 0,
  };
  /** Ticks delivered since the last message from the known leader, and ticks held back. */
  private ticksSinceLeader = 0;
  private heldTicks = 0;
  /** Leader side: ticks delivered so far, the tick each voter was last heard at, ticks held. */
  private raftTicks = 0;
  private readonly lastHeardTick = new Map<string, number>();
  private leaderHeldTicks = 0;
  private oversizeMessages = 0;
  private soft = { term: 0, role: 'follower', leader: null as string | null, hasQuorum: false };
  private readyTerm = 0;
  private lastQuorum: QuorumState | undefined;
  private raftStatus: RaftStatus | undefined;
  private compaction:
    | { index: number; data: Uint8Array; resolve: () => void; reject: (e: unknown) => void }
    | undefined;
  private readonly inbox = new AppInbox((m) => this.emit('app', m));
  private readonly large: LargeMessages;
  /** The periodic timer and the detector's deadline checks, once `run` started them. */
  private ticker: Ticker | undefined;
  private checks: DetectorChecks | undefined;

  private constructor(
    readonly config: MessagingConfig,
    private readonly clock: Clock,
    private readonly wire: WireEndpoint,
    private readonly transports: readonly UdpTransport[],
    private readonly storage: RaftStorage,
    private readonly raft: RawNode,
    private readonly fd: FailureDetector,
    private readonly onCommitted: ((e: CommittedEntry) => void) | undefined,
    private readonly onSnapshot: ((s: StateSnapshot) => void) | undefined,
  ) {
    super();
    this.outbox = new Outbox(wire.maxBodyBytes, (key, type, body) => {
      const p = this.peersById.get(Math.floor(key / MAX_LINKS));
      if (p) this.sendOn(p, key % MAX_LINKS, this.wire.seal(type, body));
    });
    this.large = new LargeMessages(
      clock,
      wire.maxBodyBytes,
      {
        sendFragment: (peer, body) => {
          const p = this.peersById.get(peer);
          if (p) this.sendAnyLink(p, this.wire.seal(MSG_FRAGMENT, body));
        },
        sendAck: (peer, body) => {
          const p = this.peersById.get(peer);
          if (!p) return;
          const up = p.links.findIndex((_, i) => this.fd.linkState(p.spec.name, i) === 'up');
          this.queue(p, Math.max(0, up), MSG_FRAGMENT_ACK, body);
        },
        deliver: (peer, type, body) => {
          const p = this.peersById.get(peer);
          if (!p) return;
          if (type === MSG_RAFT) this.onRaftPacket(p, -1, body);
          else if (type === MSG_APP) this.inbox.push({ from: p.spec.name, data: body });
          else this.wire.reject('bad-type', peer);
        },
        peerIncarnation: (peer) => this.wire.peerIncarnation(peer),
      },
      undefined,
      windowFor(transports[0]?.recvBufferBytes ?? 0, wire.maxPacketBytes),
    );
    for (const spec of config.nodes) {
      if (spec.name === config.self) continue;
      const p: Peer = {
        spec,
        addrs: spec.links.map((l, i) => parseAddr(l, `nodes.${spec.name}.links[${i}]`)),
        links: spec.links.map(() => ({
          packetsIn: 0,
          packetsOut: 0,
          rttMs: null,
          echo: undefined,
          lastSentMs: -Infinity,
        })),
      };
      this.peers.set(spec.name, p);
      this.peersById.set(spec.id, p);
    }
  }

  /** Loads the key and Raft state, binds every link, and starts heartbeats and the Raft clock. */
  static async start(config: MessagingConfig, opts: StartOptions = {}): Promise<MessagingNode> {
    const clock = opts.clock ?? new SystemClock();
    const self = config.nodes.find((n) => n.name === config.self);
    assert(self, 'config.self is validated by parseConfig');
    const authkey = await withTimeout(
      loadAuthkeyFile(config.authkeyFile),
      START_TIMEOUT_MS,
      'reading the authkey file',
    );
    const disk = new NodeDisk();
    await disk.mkdirp(config.stateDir);
    const incarnation = await nextIncarnation(disk, config.stateDir, clock.wallMs());
    const wire = new WireEndpoint({
      clusterId: config.clusterId,
      nodeId: self.id,
      incarnation,
      authkey,
      peers: config.nodes.map((n) => n.id),
      encrypt: config.encrypt,
    });
    const storage = await withTimeout(
      RaftStorage.open(disk, join(config.stateDir, 'raft')),
      START_TIMEOUT_MS,
      'opening the Raft log',
    );
    const restore = storage.state;
    const raft = new RawNode({
      id: self.name,
      initialMembership: { members: config.nodes.map((n) => ({ id: n.name, role: n.role })) },
      restore,
      applied: restore.snapshot?.index ?? 0,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
      maxEntryBytes: raftSizeLimits().maxEntryBytes,
      maxUncommittedBytes: raftSizeLimits().maxUncommittedBytes,
      random: new SystemRandom(),
    });
    const fd = new FailureDetector(
      config.detector,
      config.nodes
        .filter((n) => n.name !== self.name)
        .map((n) => ({ id: n.name, links: n.links.length })),
    );
    const transports: UdpTransport[] = [];
    try {
      for (const [i, l] of self.links.entries()) {
        transports.push(
          await UdpTransport.bind(parseAddr(l, `links[${i}]`), undefined, opts.socketBufferBytes),
        );
      }
    } catch (e) {
      await Promise.all(transports.map((t) => t.close()));
      throw e;
    }
    const node = new MessagingNode(
      config,
      clock,
      wire,
      transports,
      storage,
      raft,
      fd,
      opts.onCommitted,
      opts.onSnapshot,
    );
    if (restore.snapshot) opts.onSnapshot?.(restore.snapshot);
    node.run();
    return node;
  }

  get name(): string {
    return this.config.self;
  }

  get incarnation(): number {
    return this.wire.incarnation;
  }

  /** This node's address on link `link` (default 0), as peers reach it. */
  addressOf(name: string, link = 0): string | null {
    return this.config.nodes.find((n) => n.name === name)?.links[link] ?? null;
  }

  private run(): void {
    this.transports.forEach((t, i) => t.onPacket((p) => this.receive(i, p)));
    const checks = new DetectorChecks(this.clock, this.fd, (ev) => this.handleDetector(ev));
    this.checks = checks;
    const interval = this.config.detector.intervalMs;
    const ticker = new Ticker(this.clock, interval, this.config.tickMs, {
      round: (dueMs) => {
        this.sendHeartbeats();
        checks.round(dueMs, interval);
      },
      ticks: (n) => {
        this.pendingTicks += n;
        this.kick();
      },
      batch: () => this.tickBatch(),
    });
    this.ticker = ticker;
    this.timers.push({ cancel: () => ticker.close() }, { cancel: () => checks.close() });
    ticker.start();
    this.sendHeartbeats();
    this.kick();
  }

  /**
   * Raft ticks the next wake-up may deliver at once (see Ticker): a leader's heartbeat interval;
   * for a follower with a leader, up to the same (one wake-up per round) as long as that does
   * not go past the earliest tick at which its election timeout can fire (the core's countdown
   * restarted no earlier than `ticksSinceLeader` ago), so a dead leader is not noticed late;
   * otherwise one. Holding ticks (`shouldHoldTick`) is decided tick by tick within a batch.
   */
  private tickBatch(): number {
    const hb = this.config.heartbeatTicks;
    if (this.soft.role === 'leader') return hb;
    const leader = this.soft.leader;
    if (this.soft.role !== 'follower' || leader === null || leader === this.config.self) return 1;
    return Math.max(1, Math.min(hb, this.config.electionTicks - this.ticksSinceLeader));
  }

  // ---------------------------------------------------------------- heartbeats and detection

  /**
   * A heartbeat round: a heartbeat to every peer on every link, except where one went out less
   * than 90 % of an interval ago (an answer to the leader's, see `answerHeartbeat`).
   */
  private sendHeartbeats(): void {
    this.outbox.releaseDeferred();
    const now = this.clock.monotonicMs();
    const recent = 0.9 * this.config.detector.intervalMs;
    for (const p of this.peers.values()) {
      p.links.forEach((lc, link) => {
        if (now - lc.lastSentMs >= recent) this.heartbeatTo(p, link, now);
      });
    }
  }

  private heartbeatTo(p: Peer, link: number, now: number): void {
    const lc = p.links[link]!;
    const w = new Writer(64).u8(link).f64(now);
    if (lc.echo) w.f64(lc.echo.sentMs).f64(now - lc.echo.atMs);
    else w.f64(-1).f64(0);
    lc.lastSentMs = now;
    this.queue(p, link, MSG_HEARTBEAT, w.finish());
  }

  /**
   * A follower answers the leader's Raft heartbeat with its own failure-detector heartbeat on
   * that link, in the same packet as its Raft answer, unless one went out in the last half
   * interval; its round then skips that link. At idle each follower-leader pair thus exchanges
   * one packet each way per leader heartbeat instead of two.
   */
  private answerHeartbeat(p: Peer, link: number): void {
    const now = this.clock.monotonicMs();
    const lc = p.links[link];
    if (lc && now - lc.lastSentMs >= 0.5 * this.config.detector.intervalMs)
      this.heartbeatTo(p, link, now);
  }

  /** Queues a message for `p` on `link`; the outbox seals and sends it at the end of the turn. */
  private queue(p: Peer, link: number, type: number, body: Uint8Array): void {
    this.outbox.push(p.spec.id * MAX_LINKS + link, type, body);
  }

  private sendOn(p: Peer, link: number, packet: Uint8Array): void {
    const t = this.transports[link];
    const addr = p.addrs[link];
    if (!t || !addr) return;
    p.links[link]!.packetsOut++;
    t.send(addr, packet);
  }

  private receive(link: number, packet: Uint8Array): void {
    if (this.closed) return;
    let sender: number | undefined;
    try {
      const o = this.wire.open(packet);
      if (!o) return;
      sender = o.sender;
      const p = this.peersById.get(o.sender);
      if (!p) {
        this.wire.reject('unknown-node');
        return;
      }
      const lc = p.links[link];
      if (lc) lc.packetsIn++;
      if (o.type === MSG_BUNDLE) {
        for (const part of decodeBundle(o.body))
          this.dispatch(p, link, part.type, part.body, o.incarnation);
      } else this.dispatch(p, link, o.type, o.body, o.incarnation);
    } catch {
      // Nothing may escape the receive path: a body that broke a decoder is just counted.
      this.wire.reject('malformed-body', sender);
    }
  }

  private dispatch(
    p: Peer,
    link: number,
    type: number,
    body: Uint8Array,
    incarnation: number,
  ): void {
    if (type === MSG_HEARTBEAT) this.onHeartbeat(p, link, body);
    else if (type === MSG_RAFT) this.onRaftPacket(p, link, body);
    else if (type === MSG_APP) this.inbox.push({ from: p.spec.name, data: body });
    else if (type === MSG_FRAGMENT) {
      if (!this.large.onFragment(p.spec.id, incarnation, body))
        this.wire.reject('malformed-body', p.spec.id);
    } else if (type === MSG_FRAGMENT_ACK) {
      if (!this.large.onAck(p.spec.id, body)) this.wire.reject('malformed-body', p.spec.id);
    } else this.wire.reject('bad-type', p.spec.id);
  }

  private onHeartbeat(p: Peer, link: number, body: Uint8Array): void {
    const r = new Reader(body);
    const theirLink = r.u8('link');
    const sentMs = r.f64('sentMs');
    const echoMs = r.f64('echoMs');
    const holdMs = r.f64('holdMs');
    r.end('heartbeat');
    if (theirLink !== link || !Number.isFinite(sentMs)) {
      this.wire.reject('malformed-body', p.spec.id);
      return;
    }
    const now = this.clock.monotonicMs();
    const lc = p.links[link]!;
    lc.echo = { sentMs, atMs: now };
    if (echoMs >= 0 && Number.isFinite(holdMs)) {
      const rtt = now - echoMs - holdMs;
      if (rtt >= 0 && rtt < 60_000)
        lc.rttMs = lc.rttMs === null ? rtt : lc.rttMs * 0.875 + rtt * 0.125;
    }
    this.handleDetector(this.fd.heartbeat(p.spec.name, link, now));
    this.checks?.heartbeat();
  }

  private handleDetector(events: DetectorEvent[]): void {
    for (const e of events) {
      if (e.kind === 'link') {
        this.emitEvent({
          type: 'link',
          peer: e.peer,
          link: e.link,
          up: e.up,
          silentMs: e.silentMs,
        });
      } else if (e.kind === 'late') {
        this.emitEvent({
          type: 'late',
          peer: e.peer,
          link: e.link,
          silentMs: e.silentMs,
          phi: e.phi,
        });
      } else {
        if (!e.up) this.large.dropPeer(this.peers.get(e.peer)?.spec.id ?? -1);
        this.emitEvent({ type: 'membership', peer: e.peer, up: e.up, members: this.members() });
      }
    }
    const q = this.quorum();
    if (
      !this.lastQuorum ||
      q.hasQuorum !== this.lastQuorum.hasQuorum ||
      q.votes !== this.lastQuorum.votes
    ) {
      this.lastQuorum = q;
      this.emitEvent({
        type: 'quorum',
        hasQuorum: q.hasQuorum,
        votes: q.votes,
        needed: q.needed,
        present: q.present,
      });
    }
  }

  /** Live members as the failure detector sees them, this node included. */
  members(): string[] {
    return this.config.nodes
      .filter((n) => n.name === this.config.self || this.fd.isMember(n.name))
      .map((n) => n.name);
  }

  quorum(): QuorumState {
    return quorumOf(
      this.config.nodes.map((n) => ({ id: n.name, role: n.role })),
      (id) => id === this.config.self || this.fd.isMember(id),
    );
  }

  // ---------------------------------------------------------------- Raft

  private onRaftPacket(p: Peer, link: number, body: Uint8Array): void {
    let m: Message;
    try {
      m = decodeMessage(body);
    } catch {
      this.wire.reject('malformed-body', p.spec.id);
      return;
    }
    if (m.from !== p.spec.name || m.to !== this.config.self) {
      this.wire.reject('malformed-body', p.spec.id);
      return;
    }
    if (m.type === 'heartbeat' && link >= 0) this.answerHeartbeat(p, link);
    this.submit(() => {
      this.lastHeardTick.set(m.from, this.raftTicks);
      if (
        m.from === this.soft.leader &&
        (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot')
      ) {
        const replan = this.ticksSinceLeader > 0;
        this.ticksSinceLeader = 0;
        this.heldTicks = 0;
        // The election timeout moved away: the next batch of ticks may be longer again.
        if (replan) this.ticker?.replan();
      }
      try {
        this.raft.step(m);
      } catch {
        this.wire.reject('malformed-body', p.spec.id);
      }
    });
  }

  private sendRaft(m: Message): void {
    const p = this.peers.get(m.to);
    if (!p) return;
    const body = encodeMessage(m);
    if (body.length > this.wire.maxBodyBytes) {
      // Larger than one packet: in fragments, at most limits.maxMessageBytes.
      if (body.length > this.large.limits.maxMessageBytes) this.oversizeMessages++;
      else if (!this.fd.isMember(p.spec.name)) this.large.refusePeerDown();
      else this.large.send(p.spec.id, MSG_RAFT, body, raftMessageKey(m));
      return;
    }
    // The first link that is up carries it; with none known up, every link does. A heartbeat
    // response waits for the next packet to the leader (at the latest the next round): the
    // leader only counts it toward its quorum window, which spans several rounds.
    const up = p.links.findIndex((_, i) => this.fd.linkState(p.spec.name, i) === 'up');
    if (up >= 0 && m.type === 'heartbeatResp')
      this.outbox.defer(p.spec.id * MAX_LINKS + up, MSG_RAFT, body);
    else if (up >= 0) this.queue(p, up, MSG_RAFT, body);
    else for (let i = 0; i < p.links.length; i++) this.queue(p, i, MSG_RAFT, body);
  }

  private submit(fn: () => void): boolean {
    if (this.closed) return false;
    if (this.inputs.length >= MAX_INPUTS) {
      this.inputOverflow++;
      return false;
    }
    this.inputs.push(fn);
    this.kick();
    return true;
  }

  private kick(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    this.pump().then(
      () => undefined,
      (e: unknown) => this.fatal(e),
    );
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        if (this.compaction) await this.compact();
        const ticks = Math.min(this.pendingTicks, this.config.heartbeatTicks + 1);
        this.pendingTicks = 0;
        for (let i = 0; i < ticks; i++) this.tickRaft();
        const batch = this.inputs.splice(0, this.inputs.length);
        for (const fn of batch) fn();
        if (!this.raft.hasReady()) {
          if (this.inputs.length === 0 && this.pendingTicks === 0 && !this.compaction) return;
          continue;
        }
        const rd = this.raft.ready();
        this.io.readies++;
        // A leader may send appends and heartbeats before its own fsync (Raft dissertation
        // §10.2.1): the core counts the leader's own log toward commit only after `advance`, so
        // commit still needs a durable majority. Everything else (votes above all) waits.
        const early = rd.messages.filter(sendsBeforePersist);
        for (const m of early) this.sendRaft(m);
        if (rd.snapshot || rd.entries.length > 0 || rd.hardState) {
          const t0 = this.clock.monotonicMs();
          await withTimeout(
            this.storage.persist(rd),
            PERSIST_TIMEOUT_MS,
            'persisting the Raft log',
          );
          const ms = this.clock.monotonicMs() - t0;
          this.io.persists++;
          this.io.entries += rd.entries.length;
          this.io.persistMsTotal += ms;
          this.io.persistMsMax = Math.max(this.io.persistMsMax, ms);
        }
        if (this.isClosed()) return;
        this.afterPersist(rd, early.length > 0);
        this.raft.advance(rd);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * One Raft tick, unless the failure detector shows that holding it back is right. Raft's own
   * timers cannot tell a dead peer from a live one whose Raft traffic is late because it is
   * blocked in a slow fsync (every Raft input waits while a Ready is persisted); the detector's
   * heartbeats, sent from timers independent of the disk, can.
   * - A follower about to time out its leader holds the tick while the leader's heartbeats still
   *   arrive (within 1.5 intervals).
   * - A leader about to lose its quorum window (check-quorum, or the core's NO_QUORUM window at
   *   half an election timeout) holds the tick while enough of the silent voters' heartbeats
   *   still arrive to make a majority.
   * Either holds at most MAX_HELD_TICKS in a row. A crashed peer's heartbeats stop with it, so
   * failover is delayed by at most 1.5 heartbeat intervals. Liveness only: Raft's safety never
   * depends on timing.
   */
  private tickRaft(): void {
    if (this.shouldHoldTick()) {
      this.io.heldTicks++;
      return;
    }
    this.ticksSinceLeader++;
    this.raftTicks++;
    this.raft.tick();
  }

  private freshFromDetector(peer: string): boolean {
    const heard = this.fd.lastHeardMs(peer);
    return (
      heard !== undefined &&
      this.clock.monotonicMs() - heard <= 1.5 * this.config.detector.intervalMs
    );
  }

  private shouldHoldTick(): boolean {
    const leader = this.soft.leader;
    if (this.soft.role === 'follower') {
      if (
        leader !== null &&
        leader !== this.config.self &&
        this.ticksSinceLeader >= this.config.electionTicks - 1 &&
        this.heldTicks < MAX_HELD_TICKS &&
        this.freshFromDetector(leader)
      ) {
        this.heldTicks++;
        return true;
      }
      return false;
    }
    if (this.soft.role !== 'leader') return false;
    // The core's NO_QUORUM window (see RawNode.tickLeader), one tick early.
    const window =
      Math.max(2 * this.config.heartbeatTicks, Math.ceil(this.config.electionTicks / 2)) - 1;
    const voters = this.config.nodes.filter((n) => n.name !== this.config.self);
    const needed = Math.floor((voters.length + 1) / 2) + 1;
    let heard = 1;
    let freshSilent = 0;
    for (const v of voters) {
      const at = this.lastHeardTick.get(v.name) ?? this.raftTicks;
      if (this.raftTicks - at < window) heard++;
      else if (this.freshFromDetector(v.name)) freshSilent++;
    }
    if (heard >= needed) {
      this.leaderHeldTicks = 0;
      return false;
    }
    if (heard + freshSilent >= needed && this.leaderHeldTicks < MAX_HELD_TICKS) {
      this.leaderHeldTicks++;
      return true;
    }
    return false;
  }

  private afterPersist(rd: Ready, sentEarly: boolean): void {
    for (const m of rd.messages) if (!sentEarly || !sendsBeforePersist(m)) this.sendRaft(m);
    if (rd.softState) {
      const s = rd.softState;
      const changed =
        s.term !== this.soft.term || s.leader !== this.soft.leader || s.role !== this.soft.role;
      this.soft = { term: s.term, role: s.role, leader: s.leader, hasQuorum: s.hasQuorum };
      if (changed) {
        this.ticksSinceLeader = 0;
        this.heldTicks = 0;
        this.leaderHeldTicks = 0;
        for (const n of this.config.nodes) this.lastHeardTick.set(n.name, this.raftTicks);
        this.ticker?.replan();
      }
      if (changed) {
        this.emitEvent({
          type: 'leader',
          term: s.term,
          leader: s.leader,
          leaderAddress: s.leader === null ? null : this.addressOf(s.leader),
          role: s.role,
        });
      }
      if (s.role !== 'leader') this.failPendingIfLeaderLost();
    }
    if (rd.membership) {
      this.emitEvent({
        type: 'raftMembership',
        members: rd.membership.members.map((m) => ({ ...m })),
      });
    }
    if (rd.snapshot) this.onSnapshot?.(rd.snapshot);
    for (const e of rd.committedEntries) this.applyEntry(e);
    this.raftStatus = undefined;
  }

  private applyEntry(e: Entry): void {
    if (this.soft.role === 'leader' && e.term === this.soft.term && this.readyTerm !== e.term) {
      this.readyTerm = e.term;
      this.emitEvent({ type: 'leaderReady', term: e.term, leader: this.config.self });
    }
    const p = this.pending.get(e.index);
    if (p) {
      this.pending.delete(e.index);
      p.timer.cancel();
      if (p.term === e.term && e.kind === 'normal') p.resolve(e.index);
      else {
        p.reject(
          new VigilError(
            'VGL_E_CONFLICT',
            `proposal at index ${e.index} was replaced by a new leader's entry`,
            {
              index: e.index,
            },
          ),
        );
      }
    }
    if (e.kind !== 'normal' || e.data.length === 0) return;
    const ce: CommittedEntry = { index: e.index, term: e.term, data: e.data };
    this.onCommitted?.(ce);
    for (const q of this.subscribers) q.push(ce);
  }

  /** A deposed leader's proposals may still commit; they resolve or time out, never hang. */
  private failPendingIfLeaderLost(): void {
    // Nothing to do eagerly: each pending proposal has its own deadline, and an entry replacing
    // it at its index rejects it with VGL_E_CONFLICT.
  }

  /**
   * Appends `data` to the replicated log; resolves to its index once committed.
   * Rejects with VGL_E_NOT_LEADER (details: leader, leaderAddress), VGL_E_NO_QUORUM,
   * VGL_E_TIMEOUT, VGL_E_LIMIT (too large, or too many proposals pending), VGL_E_CONFLICT (lost
   * to a leader change), VGL_E_CANCELLED (node closed).
   */
  propose(data: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<number> {
    const timeoutMs = opts.timeoutMs ?? this.config.proposeTimeoutMs;
    if (data.length === 0) {
      return Promise.reject(new VigilError('VGL_E_INVALID_INPUT', 'cannot propose an empty entry'));
    }
    if (this.pending.size >= this.config.maxPendingProposals) {
      return Promise.reject(
        new VigilError('VGL_E_LIMIT', `${this.pending.size} proposals already pending`, {
          max: this.config.maxPendingProposals,
        }),
      );
    }
    return new Promise<number>((resolve, reject) => {
      const ok = this.submit(() => {
        const q = this.quorum();
        if (!q.hasQuorum) {
          reject(
            new VigilError(
              'VGL_E_NO_QUORUM',
              `${this.config.self} sees ${q.votes} of ${q.total} votes (needs ${q.needed}): no quorum`,
              { votes: q.votes, needed: q.needed, present: q.present },
            ),
          );
          return;
        }
        let at;
        try {
          at = this.raft.propose(data);
        } catch (e) {
          reject(this.enrich(e));
          return;
        }
        const timer = this.clock.setTimer(timeoutMs, () => {
          if (this.pending.get(at.index)?.timer !== timer) return;
          this.pending.delete(at.index);
          reject(
            new VigilError(
              'VGL_E_TIMEOUT',
              `proposal at index ${at.index} not committed within ${timeoutMs} ms`,
              {
                index: at.index,
                timeoutMs,
              },
            ),
          );
        });
        const prev = this.pending.get(at.index);
        if (prev) {
          prev.timer.cancel();
          prev.reject(
            new VigilError('VGL_E_CONFLICT', `proposal at index ${at.index} was replaced`),
          );
        }
        this.pending.set(at.index, { term: at.term, resolve, reject, timer });
      });
      if (!ok) {
        reject(
          this.closed
            ? new VigilError('VGL_E_CANCELLED', 'messaging node is closed')
            : new VigilError('VGL_E_LIMIT', 'raft input queue is full'),
        );
      }
    });
  }

  // ---------------------------------------------------------------- application channel

  /** Largest payload `sendApp` accepts (beyond one packet it travels in fragments). */
  get maxAppBytes(): number {
    return this.large.limits.maxMessageBytes;
  }

  /** Largest entry `propose` accepts. */
  get maxEntryBytes(): number {
    return raftSizeLimits().maxEntryBytes;
  }

  /** Largest snapshot `compactLog` accepts (it must reach a follower behind the log). */
  get maxSnapshotBytes(): number {
    return raftSizeLimits().maxSnapshotBytes;
  }

  /**
   * Sends an application message to `to` on the first link that is up (every link while none
   * is known up). Unreliable and unordered: the caller retries. Beyond one packet it goes in
   * fragments, paced, and only while the failure detector has `to` up. Throws VGL_E_LIMIT beyond
   * `maxAppBytes`, VGL_E_NOT_FOUND for an unknown node. Receivers get an `app` event
   * (`node.on('app', ({ from, data }) => …)`).
   */
  sendApp(to: string, data: Uint8Array): void {
    const p = this.peers.get(to);
    if (!p) throw new VigilError('VGL_E_NOT_FOUND', `no peer named ${to}`, { peer: to });
    AppInbox.check(data, this.maxAppBytes, to);
    if (this.closed) return;
    this.inbox.sent();
    if (data.length <= this.wire.maxBodyBytes) this.sendAnyLink(p, this.wire.seal(MSG_APP, data));
    else if (!this.fd.isMember(to)) this.large.refusePeerDown();
    else this.large.send(p.spec.id, MSG_APP, data);
  }

  private sendAnyLink(p: Peer, packet: Uint8Array): void {
    const up = p.links.findIndex((_, i) => this.fd.linkState(p.spec.name, i) === 'up');
    if (up >= 0) this.sendOn(p, up, packet);
    else for (let i = 0; i < p.links.length; i++) this.sendOn(p, i, packet);
  }

  // ---------------------------------------------------------------- log compaction

  /**
   * Compacts the log: `data` is the state machine as of `index` (≤ the last entry handed to
   * `onCommitted`). The snapshot is written to disk and the log entries it covers are dropped;
   * a follower behind it is sent the snapshot, in fragments when larger than one packet. A
   * snapshot larger than `maxSnapshotBytes` is refused with VGL_E_LIMIT.
   */
  compactLog(index: number, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new VigilError('VGL_E_CANCELLED', 'node is closed'));
    if (this.compaction)
      return Promise.reject(new VigilError('VGL_E_LIMIT', 'a compaction is already under way'));
    if (data.length > this.maxSnapshotBytes)
      return Promise.reject(
        new VigilError(
          'VGL_E_LIMIT',
          `snapshot of ${data.length} bytes exceeds the ${this.maxSnapshotBytes}-byte limit`,
          { bytes: data.length, maxBytes: this.maxSnapshotBytes },
        ),
      );
    return new Promise<void>((resolve, reject) => {
      this.compaction = { index, data, resolve, reject };
      this.kick();
    });
  }

  private async compact(): Promise<void> {
    const c = this.compaction!;
    this.compaction = undefined;
    try {
      const snap = this.raft.createSnapshot(c.index, c.data);
      await withTimeout(this.storage.saveSnapshot(snap), PERSIST_TIMEOUT_MS, 'saving a snapshot');
      this.raftStatus = undefined;
      c.resolve();
    } catch (e) {
      c.reject(e);
    }
  }

  /** Reads the flag through a call: it changes across awaits and callbacks. */
  private isClosed(): boolean {
    return this.closed;
  }

  private enrich(e: unknown): Error {
    if (e instanceof VigilError && e.code === 'VGL_E_NOT_LEADER') {
      const leader = typeof e.details.leader === 'string' ? e.details.leader : this.soft.leader;
      const leaderAddress = leader === null ? null : this.addressOf(leader);
      return new VigilError(
        'VGL_E_NOT_LEADER',
        leader === null
          ? `${this.config.self} is not the leader and knows no leader yet`
          : `${this.config.self} is not the leader; the leader is ${leader} at ${leaderAddress}`,
        { leader, leaderAddress },
        { cause: e },
      );
    }
    return rethrowable(e);
  }

  /** Committed entries from now on, in order. A consumer more than 8192 behind is cut off. */
  committed(): AsyncIterable<CommittedEntry> {
    return this.subscribe(this.subscribers, 'committed entries');
  }

  /** Leader, membership, quorum and link events from now on (also emitted as 'event'). */
  events(): AsyncIterable<MessagingEvent> {
    return this.subscribe(this.eventSubscribers, 'events');
  }

  private subscribe<T>(set: Set<BoundedQueue<T>>, what: string): AsyncIterable<T> {
    if (set.size >= MAX_SUBSCRIBERS) {
      throw new VigilError('VGL_E_LIMIT', `at most ${MAX_SUBSCRIBERS} subscribers to ${what}`);
    }
    const q: BoundedQueue<T> = new BoundedQueue<T>(SUBSCRIBER_CAPACITY, what, () => set.delete(q));
    if (this.closed) q.close();
    else set.add(q);
    return q;
  }

  private emitEvent(e: MessagingEvent): void {
    this.emit('event', e);
    for (const q of this.eventSubscribers) q.push(e);
  }

  status(): NodeStatus {
    this.raftStatus ??= this.raft.status();
    const rs = this.raftStatus;
    const views = new Map(this.fd.view().map((v) => [v.peer, v]));
    const ws = this.wire.stats();
    const peers: PeerStats[] = [...this.peers.values()].map((p) => {
      const v = views.get(p.spec.name);
      return {
        name: p.spec.name,
        id: p.spec.id,
        role: p.spec.role,
        member: v?.member ?? false,
        accepted: ws.peers[p.spec.id]?.accepted ?? 0,
        rejected: ws.peers[p.spec.id]?.rejected ?? 0,
        links: p.links.map((lc, i) => {
          const lv = v?.links[i];
          return {
            link: i,
            address: p.spec.links[i]!,
            state: lv?.state ?? 'unknown',
            phi: lv?.phi ?? 0,
            silentMs: lv?.silentMs ?? 0,
            deadlineMs: lv?.deadlineMs ?? 0,
            meanIntervalMs: lv?.meanIntervalMs ?? 0,
            rttMs: lc.rttMs,
            packetsIn: lc.packetsIn,
            packetsOut: lc.packetsOut,
            heartbeats: lv?.heartbeats ?? 0,
            downs: lv?.downs ?? 0,
            lates: lv?.lates ?? 0,
          };
        }),
      };
    });
    return {
      name: this.config.self,
      incarnation: this.wire.incarnation,
      term: rs.term,
      role: rs.role,
      leader: rs.leader,
      leaderAddress: rs.leader === null ? null : this.addressOf(rs.leader),
      commit: rs.commit,
      applied: rs.applied,
      lastIndex: rs.lastIndex,
      quorum: this.quorum(),
      raftHasQuorum: rs.quorum.hasQuorum,
      members: this.members(),
      peers,
      wire: ws,
      dropped: {
        inputOverflow: this.inputOverflow,
        oversizeMessages: this.oversizeMessages,
        sendErrors: this.transports.reduce((n, t) => n + t.sendErrors, 0),
      },
      detectorStalls: this.fd.stallCount,
      app: this.inbox.counters,
      fragments: this.large.stats(),
      firstIndex: rs.firstIndex,
      raftIo: { ...this.io },
    };
  }

  private fatal(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.emitEvent({ type: 'fatal', message });
    void this.close(e);
  }

  /** Stops timers and sockets; pending proposals fail with VGL_E_CANCELLED. */
  async close(cause?: unknown): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outbox.clear();
    this.large.close();
    for (const t of this.timers) t.cancel();
    for (const [, p] of this.pending) {
      p.timer.cancel();
      p.reject(new VigilError('VGL_E_CANCELLED', 'messaging node closed', {}, { cause }));
    }
    this.pending.clear();
    for (const q of this.subscribers) q.close(cause === undefined ? undefined : rethrowable(cause));
    for (const q of this.eventSubscribers) q.close();
    this.inbox.clear();
    this.compaction?.reject(new VigilError('VGL_E_CANCELLED', 'messaging node closed'));
    this.compaction = undefined;
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

function sendsBeforePersist(m: Message): boolean {
  return m.type === 'append' || m.type === 'heartbeat';
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new VigilError('VGL_E_TIMEOUT', `${what} took longer than ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * This start's incarnation: the wall clock in ms, or one more than the last one recorded in the
 * state dir if the clock went backwards. Peers reject packets from an older incarnation.
 */
async function nextIncarnation(disk: NodeDisk, dir: string, wallMs: number): Promise<number> {
  const path = join(dir, 'incarnation');
  const raw = await disk.read(path);
  const prev = raw ? Number(new TextDecoder().decode(raw).trim()) : 0;
  const inc = Math.max(Math.floor(wallMs), (Number.isSafeInteger(prev) ? prev : 0) + 1);
  await disk.writeAtomic(path, new TextEncoder().encode(`${inc}\n`));
  return inc;
}
