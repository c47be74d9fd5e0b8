import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { LIMITS, VigilError } from '@vigil/base';
import { deriveClusterKey } from './authkey.js';
import {
  FLAG_ENCRYPTED,
  HEADER_BYTES,
  NONCE_BYTES,
  NONCE_OFFSET,
  OVERHEAD_BYTES,
  TAG_BYTES,
  WIRE_VERSION,
  readHeader,
  writeHeader,
} from './header.js';
import { ReplayWindow } from './replay.js';

/** Why a received packet was dropped. Every drop is counted under exactly one reason. */
export const REJECT_REASONS = [
  'too-short',
  'oversize',
  'bad-magic',
  'bad-version',
  'bad-flags',
  'wrong-cluster',
  'unknown-node',
  'own-node',
  'bad-counter',
  'auth',
  'replay',
  'stale-incarnation',
  /** Authenticated, but the body did not decode (counted by the layer above via `reject`). */
  'malformed-body',
  /** Authenticated, but of a message type the layer above does not know. */
  'bad-type',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface WireOptions {
  readonly clusterId: number;
  readonly nodeId: number;
  /** Grows across restarts of this node (e.g. wall-clock ms at start, persisted). */
  readonly incarnation: number;
  /** Raw authkey file contents; the AES key is derived from it and the cluster id. */
  readonly authkey: Uint8Array;
  /** Node ids this endpoint accepts packets from (this node's own id is ignored). */
  readonly peers: Iterable<number>;
  /** Encrypt bodies (default). When false, bodies are authenticated only (GMAC). */
  readonly encrypt?: boolean;
  readonly maxPacketBytes?: number;
}

export interface OpenedPacket {
  readonly type: number;
  readonly sender: number;
  readonly incarnation: number;
  readonly seq: number;
  readonly body: Uint8Array;
}

export interface PeerWireStats {
  accepted: number;
  rejected: number;
  incarnation: number;
}

export interface WireStats {
  readonly sent: number;
  readonly accepted: number;
  readonly rejectedTotal: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly peers: Readonly<Record<number, Readonly<PeerWireStats>>>;
}

function zeroCounts(): Record<RejectReason, number> {
  const r = {} as Record<RejectReason, number>;
  for (const k of REJECT_REASONS) r[k] = 0;
  return r;
}

/**
 * One node's end of the authenticated wire: seals outgoing packets and opens incoming ones.
 * `open` never throws on any input: a packet is either returned, authenticated and fresh, or
 * dropped and counted under one reason.
 */
export class WireEndpoint {
  readonly clusterId: number;
  readonly nodeId: number;
  readonly incarnation: number;
  readonly maxPacketBytes: number;
  private readonly clusterKey: Uint8Array;
  /**
   * This endpoint's sending key: the cluster key narrowed to (node id, incarnation). Keys are
   * held as KeyObjects: Node's cipher constructors take a raw key through a slow path (about
   * 50 µs more per packet).
   */
  private readonly sendKey: KeyObject;
  /** Receiving keys of each peer's current incarnation (cached once a packet authenticated). */
  private readonly peerKeys = new Map<number, { incarnation: number; key: KeyObject }>();
  private readonly encrypt: boolean;
  private seq = 0;
  private sent = 0;
  private accepted = 0;
  private rejectedTotal = 0;
  private readonly rejected = zeroCounts();
  private readonly windows = new Map<number, ReplayWindow>();
  private readonly peerStats = new Map<number, PeerWireStats>();

  constructor(opts: WireOptions) {
    for (const [name, v] of [
      ['clusterId', opts.clusterId],
      ['nodeId', opts.nodeId],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new VigilError('VGL_E_INVALID_INPUT', `${name} must be a u32, got ${v}`);
      }
    }
    if (!Number.isSafeInteger(opts.incarnation) || opts.incarnation < 0) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `incarnation must be >= 0, got ${opts.incarnation}`,
      );
    }
    this.clusterId = opts.clusterId;
    this.nodeId = opts.nodeId;
    this.incarnation = opts.incarnation;
    this.clusterKey = deriveClusterKey(opts.authkey, opts.clusterId);
    this.sendKey = senderKey(this.clusterKey, this.nodeId, this.incarnation);
    this.encrypt = opts.encrypt ?? true;
    this.maxPacketBytes = opts.maxPacketBytes ?? LIMITS.maxPacketBytes;
    for (const p of opts.peers) this.addPeer(p);
  }

  /** Largest body `seal` accepts. */
  get maxBodyBytes(): number {
    return this.maxPacketBytes - OVERHEAD_BYTES;
  }

  addPeer(nodeId: number): void {
    if (nodeId === this.nodeId || this.windows.has(nodeId)) return;
    this.windows.set(nodeId, new ReplayWindow());
    this.peerStats.set(nodeId, { accepted: 0, rejected: 0, incarnation: -1 });
  }

  removePeer(nodeId: number): void {
    this.windows.delete(nodeId);
    this.peerStats.delete(nodeId);
  }

  hasPeer(nodeId: number): boolean {
    return this.windows.has(nodeId);
  }

  /** The newest incarnation of `nodeId` that authenticated (-1 before any; undefined if unknown). */
  peerIncarnation(nodeId: number): number | undefined {
    return this.windows.get(nodeId)?.currentIncarnation;
  }

  /** Builds one packet. Throws VGL_E_LIMIT if the body does not fit. */
  seal(type: number, body: Uint8Array): Uint8Array {
    if (!Number.isInteger(type) || type < 1 || type > 255) {
      throw new VigilError('VGL_E_INVALID_INPUT', `message type must be 1..255, got ${type}`);
    }
    if (body.length > this.maxBodyBytes) {
      throw new VigilError(
        'VGL_E_LIMIT',
        `message body of ${body.length} bytes exceeds the ${this.maxBodyBytes}-byte packet budget`,
        { bytes: body.length, maxBytes: this.maxBodyBytes },
      );
    }
    const out = new Uint8Array(OVERHEAD_BYTES + body.length);
    const seq = ++this.seq;
    const nonce = nonceFor(seq);
    writeHeader(
      out,
      {
        version: WIRE_VERSION,
        type,
        flags: this.encrypt ? FLAG_ENCRYPTED : 0,
        clusterId: this.clusterId,
        sender: this.nodeId,
        incarnation: this.incarnation,
        seq,
      },
      nonce,
    );
    const cipher = createCipheriv('aes-256-gcm', this.sendKey, nonce, {
      authTagLength: TAG_BYTES,
    });
    if (this.encrypt) {
      cipher.setAAD(out.subarray(0, HEADER_BYTES));
      const ct = cipher.update(body);
      const fin = cipher.final();
      out.set(ct, HEADER_BYTES);
      out.set(fin, HEADER_BYTES + ct.length);
    } else {
      // Authenticate-only: the body goes in the clear and is covered as associated data too.
      out.set(body, HEADER_BYTES);
      cipher.setAAD(out.subarray(0, HEADER_BYTES + body.length));
      cipher.final();
    }
    out.set(cipher.getAuthTag(), HEADER_BYTES + body.length);
    this.sent++;
    return out;
  }

  /** Authenticates and de-duplicates one received packet; undefined = dropped and counted. */
  open(packet: Uint8Array): OpenedPacket | undefined {
    try {
      return this.openUnsafe(packet);
    } catch {
      // Nothing above should throw; if crypto does on hostile input, it is an auth failure.
      this.count('auth', undefined);
      return undefined;
    }
  }

  /** Counts a drop decided by the layer above (e.g. a body that did not decode). */
  reject(reason: RejectReason, sender?: number): void {
    this.count(reason, sender);
  }

  stats(): WireStats {
    const peers: Record<number, PeerWireStats> = {};
    for (const [id, s] of this.peerStats) peers[id] = { ...s };
    return {
      sent: this.sent,
      accepted: this.accepted,
      rejectedTotal: this.rejectedTotal,
      rejected: { ...this.rejected },
      peers,
    };
  }

  private count(reason: RejectReason, sender: number | undefined): undefined {
    this.rejected[reason]++;
    this.rejectedTotal++;
    if (sender !== undefined) {
      const ps = this.peerStats.get(sender);
      if (ps) ps.rejected++;
    }
    return undefined;
  }

  private openUnsafe(p: Uint8Array): OpenedPacket | undefined {
    if (p.length < OVERHEAD_BYTES) return this.count('too-short', undefined);
    if (p.length > this.maxPacketBytes) return this.count('oversize', undefined);
    const h = readHeader(p);
    if (!h.magicOk) return this.count('bad-magic', undefined);
    if (h.version !== WIRE_VERSION) return this.count('bad-version', undefined);
    const wantFlags = this.encrypt ? FLAG_ENCRYPTED : 0;
    if (h.flags !== wantFlags) return this.count('bad-flags', undefined);
    if (h.clusterId !== this.clusterId) return this.count('wrong-cluster', undefined);
    if (h.sender === this.nodeId) return this.count('own-node', undefined);
    const window = this.windows.get(h.sender);
    if (!window) return this.count('unknown-node', undefined);
    if (h.incarnation < 0 || h.seq < 1 || h.type === 0) return this.count('bad-counter', h.sender);
    // Cheap pre-check before paying for the cipher; re-checked after authentication.
    if (window.check(h.incarnation, h.seq) !== 'fresh') {
      return this.count(window.check(h.incarnation, h.seq) as RejectReason, h.sender);
    }
    const bodyLen = p.length - OVERHEAD_BYTES;
    const nonce = p.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_BYTES);
    const tag = p.subarray(HEADER_BYTES + bodyLen);
    const cached = this.peerKeys.get(h.sender);
    const key =
      cached?.incarnation === h.incarnation
        ? cached.key
        : senderKey(this.clusterKey, h.sender, h.incarnation);
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    d.setAuthTag(tag);
    let body: Uint8Array;
    try {
      if (this.encrypt) {
        d.setAAD(p.subarray(0, HEADER_BYTES));
        const a = d.update(p.subarray(HEADER_BYTES, HEADER_BYTES + bodyLen));
        const b = d.final();
        body = b.length === 0 ? new Uint8Array(a) : new Uint8Array(Buffer.concat([a, b]));
      } else {
        d.setAAD(p.subarray(0, HEADER_BYTES + bodyLen));
        d.final();
        body = p.slice(HEADER_BYTES, HEADER_BYTES + bodyLen);
      }
    } catch {
      return this.count('auth', h.sender);
    }
    const verdict = window.check(h.incarnation, h.seq);
    if (verdict !== 'fresh') return this.count(verdict, h.sender);
    window.accept(h.incarnation, h.seq);
    if (cached?.incarnation !== h.incarnation) {
      this.peerKeys.set(h.sender, { incarnation: h.incarnation, key });
    }
    this.accepted++;
    const ps = this.peerStats.get(h.sender)!;
    ps.accepted++;
    ps.incarnation = h.incarnation;
    return {
      type: h.type,
      sender: h.sender,
      incarnation: h.incarnation,
      seq: h.seq,
      body,
    };
  }
}

/**
 * The key one sender uses in one incarnation. GCM needs a nonce that never repeats under a key;
 * narrowing the key to (node id, incarnation) lets the nonce be the sequence number itself,
 * which is unique by construction, instead of a random value whose collisions become likely
 * after about 2^32 packets under one cluster key.
 */
function senderKey(clusterKey: Uint8Array, nodeId: number, incarnation: number): KeyObject {
  const info = new Uint8Array(16);
  const v = new DataView(info.buffer);
  info.set([0x73, 0x6e, 0x64, 0x72], 0); // "sndr"
  v.setUint32(4, nodeId);
  v.setUint32(8, Math.floor(incarnation / 2 ** 32));
  v.setUint32(12, incarnation >>> 0);
  return createSecretKey(
    new Uint8Array(hkdfSync('sha256', clusterKey, 'vigil-wire-v1-sender', info, 32)),
  );
}

/** Nonce for sequence number `seq`: 4 zero bytes, then the 8-byte sequence number. */
function nonceFor(seq: number): Uint8Array {
  const n = new Uint8Array(NONCE_BYTES);
  const v = new DataView(n.buffer);
  v.setUint32(4, Math.floor(seq / 2 ** 32));
  v.setUint32(8, seq >>> 0);
  return n;
}
