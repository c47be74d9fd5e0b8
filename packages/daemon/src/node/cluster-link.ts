import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { VigilError, isVigilError, type ErrorCode } from '@vigil/base';
import {
  MessagingNode,
  parseConfig,
  type AppMessage,
  type CommittedEntry,
  type MessagingConfig,
  type MessagingEvent,
  type NodeStatus,
  type StateSnapshot,
} from '@vigil/heartbeat';
import type { ClusterConfig } from '../config/index.js';

/**
 * vigild's cluster layer: `@vigil/heartbeat`'s `MessagingNode` (authenticated multi-link
 * heartbeats, phi-accrual failure detection, membership, quorum, the Raft log on disk) plus a
 * request/response protocol over its application channel, which carries everything the DC and
 * the nodes say to each other outside the log (actions and their results, status refreshes,
 * monitor failures, forwarded CLI changes).
 *
 * Requests are retried with backoff until answered or their deadline passes; the receiver
 * answers a retry of a request it already ran with the same reply (requests are identified by
 * the sender's incarnation and a sequence number), so a handler runs at most once per request.
 */

/** Raft logical tick used by vigild; the election timeout is a whole number of these. */
const TICK_MS = 25;
/** Requests awaiting an answer, per node. */
const MAX_PENDING_REQUESTS = 1024;
/** Replies kept to answer retries of requests already served. */
const MAX_SERVED = 2048;
const FIRST_RESEND_MS = 200;
const MAX_RESEND_MS = 2000;
/** Payloads larger than this are deflated before they are sent. */
const DEFLATE_ABOVE_BYTES = 1024;
/** Largest JSON a message, entry or snapshot may hold before deflating (and after inflating). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface RequestOptions {
  readonly timeoutMs: number;
}

export type RequestHandler = (from: string, method: string, body: unknown) => Promise<unknown>;

export interface ClusterLinkHooks {
  readonly onCommitted: (e: CommittedEntry) => void;
  readonly onSnapshot: (s: StateSnapshot) => void;
  readonly onEvent: (e: MessagingEvent) => void;
  readonly onRequest: RequestHandler;
  readonly log: (line: string) => void;
}

interface Outgoing {
  readonly to: string;
  readonly packet: Uint8Array;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly deadline: NodeJS.Timeout;
  resend: NodeJS.Timeout | undefined;
  resendMs: number;
}

type Wire =
  | { readonly k: 'q'; readonly id: string; readonly m: string; readonly b: unknown }
  | { readonly k: 'r'; readonly id: string; readonly ok: true; readonly b: unknown }
  | {
      readonly k: 'r';
      readonly id: string;
      readonly ok: false;
      readonly code: string;
      readonly msg: string;
    };

/** The cluster id on the wire: the first 32 bits of SHA-256 of the cluster name. */
export function clusterIdOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

/** The messaging layer's configuration derived from the cluster file. */
export function messagingConfig(
  cfg: ClusterConfig,
  self: string,
  stateDir: string,
  authkeyFile: string,
): MessagingConfig {
  const t = cfg.timing;
  const floorMs = Math.max(t.deadtimeMs, t.heartbeatIntervalMs + 1);
  const electionTicks = Math.max(4, Math.round(t.electionTimeoutMs / TICK_MS));
  return parseConfig({
    clusterId: clusterIdOf(cfg.cluster),
    self,
    nodes: cfg.nodes.map((n, i) => ({
      name: n.name,
      id: i + 1,
      role: n.witness ? 'witness' : 'voter',
      links: n.links.map((l) => `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`),
    })),
    authkeyFile,
    stateDir: join(stateDir, 'msg'),
    tickMs: TICK_MS,
    electionTicks,
    // The leader's Raft heartbeat rides the failure detector's round (one packet per peer per
    // round), but a follower must hear at least two of them per election timeout. One lost
    // round then still leaves the follower its leader; two make it ask for a pre-vote, which
    // the other voters refuse while they still hear the leader (leases), so a lossy link costs
    // no leader change.
    heartbeatTicks: Math.max(
      1,
      Math.min(Math.floor(electionTicks / 2), Math.round(t.heartbeatIntervalMs / TICK_MS)),
    ),
    detector: {
      intervalMs: t.heartbeatIntervalMs,
      floorMs,
      warnFloorMs: Math.min(t.warntimeMs, floorMs),
      // Under load the phi-accrual deadline may stretch, never beyond four deadtimes.
      ceilingMs: Math.max(floorMs * 4, floorMs + 4 * t.heartbeatIntervalMs),
    },
  });
}

export class ClusterLink {
  private readonly outgoing = new Map<string, Outgoing>();
  /** Requests served or being served: key `from/id` → the reply packet once there is one. */
  private readonly served = new Map<string, Uint8Array | null>();
  private seq = 0;
  private leaderName: string | null = null;
  private raftTerm = 0;
  private role = 'follower';
  private readyTerm = 0;
  private closed = false;

  private constructor(
    readonly node: MessagingNode,
    private readonly hooks: ClusterLinkHooks,
  ) {
    node.on('app', (m: AppMessage) => this.onApp(m));
    node.on('event', (e: MessagingEvent) => this.onEvent(e));
    const st = node.status();
    this.leaderName = st.leader;
    this.raftTerm = st.term;
    this.role = st.role;
  }

  static async start(config: MessagingConfig, hooks: ClusterLinkHooks): Promise<ClusterLink> {
    // Replayed entries may arrive before start() returns; the hooks handle them directly.
    const node = await MessagingNode.start(config, {
      onCommitted: (e) => hooks.onCommitted(e),
      onSnapshot: (s) => hooks.onSnapshot(s),
    });
    return new ClusterLink(node, hooks);
  }

  get self(): string {
    return this.node.name;
  }

  /** The Raft leader as this node knows it (the DC once it is ready), or null. */
  get leader(): string | null {
    return this.leaderName;
  }

  get term(): number {
    return this.raftTerm;
  }

  /** This node leads the current term and has committed in it: it can serve as DC. */
  get isReadyLeader(): boolean {
    return this.role === 'leader' && this.readyTerm === this.raftTerm;
  }

  members(): string[] {
    return this.node.members();
  }

  get quorate(): boolean {
    return this.node.quorum().hasQuorum;
  }

  status(): NodeStatus {
    return this.node.status();
  }

  propose(data: Uint8Array, timeoutMs: number): Promise<number> {
    return this.node.propose(data, { timeoutMs });
  }

  compactLog(index: number, data: Uint8Array): Promise<void> {
    return this.node.compactLog(index, data);
  }

  private onEvent(e: MessagingEvent): void {
    if (e.type === 'leader') {
      this.leaderName = e.leader;
      this.raftTerm = e.term;
      this.role = e.role;
    } else if (e.type === 'leaderReady') {
      this.readyTerm = e.term;
    }
    this.hooks.onEvent(e);
  }

  // ---------------------------------------------------------------- requests

  /**
   * Sends `method(body)` to `to` and resolves with its answer. Resent with backoff while
   * unanswered; rejects with VGL_E_TIMEOUT after `timeoutMs`, with the handler's VigilError if
   * it failed, VGL_E_CANCELLED on `cancel(to)` or close, VGL_E_LIMIT when too many are pending.
   */
  request(to: string, method: string, body: unknown, o: RequestOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new VigilError('VGL_E_CANCELLED', 'vigild is closing'));
    if (this.outgoing.size >= MAX_PENDING_REQUESTS)
      return Promise.reject(
        new VigilError('VGL_E_LIMIT', `${this.outgoing.size} cluster requests already pending`),
      );
    const id = `${this.node.incarnation}.${++this.seq}`;
    let packet: Uint8Array;
    try {
      packet = encode(
        { k: 'q', id, m: method, b: body },
        this.node.maxAppBytes,
        `${method} to ${to}`,
      );
      this.node.sendApp(to, packet);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        this.finish(id);
        reject(
          new VigilError(
            'VGL_E_TIMEOUT',
            `${to} did not answer ${method} within ${o.timeoutMs} ms`,
            { node: to, method, timeoutMs: o.timeoutMs },
          ),
        );
      }, o.timeoutMs);
      const out: Outgoing = {
        to,
        packet,
        resolve,
        reject,
        deadline,
        resend: undefined,
        resendMs: FIRST_RESEND_MS,
      };
      this.outgoing.set(id, out);
      this.armResend(id, out);
    });
  }

  private armResend(id: string, out: Outgoing): void {
    out.resend = setTimeout(() => {
      if (this.outgoing.get(id) !== out) return;
      this.node.sendApp(out.to, out.packet);
      out.resendMs = Math.min(MAX_RESEND_MS, out.resendMs * 2);
      this.armResend(id, out);
    }, out.resendMs);
  }

  private finish(id: string): Outgoing | undefined {
    const out = this.outgoing.get(id);
    if (!out) return undefined;
    this.outgoing.delete(id);
    clearTimeout(out.deadline);
    clearTimeout(out.resend);
    return out;
  }

  /** Fails every request pending to `to` (it was lost or fenced). */
  cancel(to: string, why: string): void {
    for (const [id, out] of [...this.outgoing]) {
      if (out.to !== to) continue;
      this.finish(id);
      out.reject(new VigilError('VGL_E_CANCELLED', `request to ${to} cancelled: ${why}`));
    }
  }

  private onApp(m: AppMessage): void {
    if (this.closed) return;
    let w: Record<string, unknown>;
    try {
      const v = decode(m.data);
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
      w = v as Record<string, unknown>;
    } catch (e) {
      this.hooks.log(`malformed cluster message from ${m.from}: ${(e as Error).message}`);
      return;
    }
    if (typeof w.id !== 'string') return;
    if (w.k === 'r') {
      const out = this.outgoing.get(w.id);
      if (!out || out.to !== m.from) return;
      this.finish(w.id);
      if (w.ok === true) out.resolve(w.b);
      else out.reject(new VigilError(asCode(String(w.code)), String(w.msg)));
      return;
    }
    if (w.k !== 'q' || typeof w.m !== 'string') return;
    const key = `${m.from}/${w.id}`;
    if (this.served.has(key)) {
      const reply = this.served.get(key);
      if (reply) this.safeSend(m.from, reply);
      return;
    }
    this.served.set(key, null);
    if (this.served.size > MAX_SERVED) this.served.delete(this.served.keys().next().value!);
    void this.serve(m.from, key, { k: 'q', id: w.id, m: w.m, b: w.b });
  }

  private async serve(from: string, key: string, w: Wire & { k: 'q' }): Promise<void> {
    let reply: Wire;
    try {
      reply = {
        k: 'r',
        id: w.id,
        ok: true,
        b: (await this.hooks.onRequest(from, w.m, w.b)) ?? null,
      };
    } catch (e) {
      reply = isVigilError(e)
        ? { k: 'r', id: w.id, ok: false, code: e.code, msg: e.message }
        : { k: 'r', id: w.id, ok: false, code: 'VGL_E_INTERNAL', msg: String(e) };
    }
    if (this.closed) return;
    let packet: Uint8Array;
    try {
      packet = encode(reply, this.node.maxAppBytes, `reply to ${w.m}`);
    } catch (e) {
      packet = encode(
        { k: 'r', id: w.id, ok: false, code: 'VGL_E_LIMIT', msg: (e as Error).message },
        this.node.maxAppBytes,
        'error reply',
      );
    }
    if (this.served.has(key)) this.served.set(key, packet);
    this.safeSend(from, packet);
  }

  private safeSend(to: string, packet: Uint8Array): void {
    try {
      this.node.sendApp(to, packet);
    } catch (e) {
      this.hooks.log(`cannot send to ${to}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, out] of [...this.outgoing]) {
      this.finish(id);
      out.reject(new VigilError('VGL_E_CANCELLED', 'vigild is closing'));
    }
    await this.node.close();
  }
}

function asCode(code: string): ErrorCode {
  return (/^VGL_E_[A-Z_]+$/.test(code) ? code : 'VGL_E_INTERNAL') as ErrorCode;
}

/** JSON, deflated when large: first byte 0 = plain, 1 = deflate-raw. */
export function encode(v: unknown, maxBytes: number, what: string): Uint8Array {
  const json = Buffer.from(JSON.stringify(v));
  if (json.length > MAX_JSON_BYTES)
    throw new VigilError(
      'VGL_E_LIMIT',
      `${what}: ${mib(json.length)} of JSON exceed the ${mib(MAX_JSON_BYTES)} limit`,
      { bytes: json.length, maxBytes: MAX_JSON_BYTES },
    );
  const body = json.length > DEFLATE_ABOVE_BYTES ? deflateRawSync(json) : json;
  const out = new Uint8Array(body.length + 1);
  out[0] = body === json ? 0 : 1;
  out.set(body, 1);
  if (out.length > maxBytes)
    throw new VigilError(
      'VGL_E_LIMIT',
      `${what}: ${mib(out.length)} after compression exceed the ${mib(maxBytes)} limit`,
      { bytes: out.length, maxBytes },
    );
  return out;
}

/** Reverses `encode`; inflation is capped so a small packet cannot expand without bound. */
export function decode(data: Uint8Array): unknown {
  const body = data.subarray(1);
  const json =
    data[0] === 1
      ? inflateRawSync(body, { maxOutputLength: MAX_JSON_BYTES })
      : data[0] === 0
        ? Buffer.from(body)
        : undefined;
  if (json === undefined) throw new VigilError('VGL_E_PARSE', `unknown encoding ${data[0]}`);
  return JSON.parse(json.toString('utf8')) as unknown;
}

/** A byte count for error messages: exact bytes, and MiB when large. */
function mib(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${bytes} bytes`
    : `${bytes} bytes (${(bytes / 1048576).toFixed(1)} MiB)`;
}
