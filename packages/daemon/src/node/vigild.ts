import { mkdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { VigilError, isVigilError, type LinkAddress } from '@vigil/base';
import { NodeProcessRunner } from '@vigil/executor';
import {
  applyEntry,
  cibNewer,
  emptyCib,
  isConfigEntry,
  primitives,
  type Cib,
  type CibEntry,
  type OpRecord,
  type ClusterView,
  type PlannedAction,
  type PrimitiveDef,
} from '@vigil/controller';
import { parseClusterConfig, type ClusterConfig } from '../config/index.js';
import { readAuthkey } from '../net/authkey.js';
import { SecureTransport, type Envelope } from '../net/transport.js';
import { ApiServer } from '../api/server.js';
import type { ApiRequest } from '../api/protocol.js';
import { Lrm, type LrmResult } from './lrm.js';
import { Fencer } from './fencer.js';
import { buildStatus } from './views.js';
import { DcController } from './dc-controller.js';

/**
 * vigild: one node of the cluster.
 *
 * Messaging (interim, until `@vigil/heartbeat` and `@vigil/raft` publish their shell): encrypted
 * UDP heartbeats, failure detection by deadtime, quorum as a strict majority of configured nodes,
 * and a Raft-style DC election (terms persisted, one vote per term, a candidate needs a majority
 * and a CIB at least as new as the voter's). The CIB is the replicated state machine: the DC
 * applies each entry, stamps it with its term and replicates the whole CIB; a configuration change
 * is acknowledged to the user only once a majority has persisted it.
 */
export interface VigildOptions {
  readonly configPath: string;
  readonly node: string;
  /** Directories with extra `PROVIDER/TYPE` OCF agents (VIGIL_OCF_PATH). */
  readonly extraOcfDirs?: readonly string[];
  readonly fenceAgentDirs?: readonly string[];
  readonly log?: (line: string) => void;
}

type Role = 'follower' | 'candidate' | 'leader';

interface Peer {
  readonly name: string;
  readonly addr: LinkAddress;
  lastHeardMs: number;
  inc: number;
  /** Highest CIB version this peer acknowledged in the current term. */
  ackedVersion: number;
  lastSentVersion: number;
  lastSentMs: number;
}

const CIB_FILE = 'cib.json';
const TERM_FILE = 'term.json';
const COMMIT_TIMEOUT_MS = 10_000;
const FORWARD_TIMEOUT_MS = 15_000;
const RESEND_MS = 300;
const REFRESH_TIMEOUT_MS = 5_000;
const MAX_PENDING = 256;

export class Vigild {
  readonly cfg: ClusterConfig;
  readonly self: string;
  private readonly stateDir: string;
  private readonly socketPath: string;
  private readonly log: (line: string) => void;
  private transport!: SecureTransport;
  private api!: ApiServer;
  private lrm!: Lrm;
  private fencer!: Fencer;
  private readonly peers = new Map<string, Peer>();
  private tickTimer: NodeJS.Timeout | undefined;

  // Raft-style election state (term and vote are persisted before any message depends on them).
  private term = 0;
  private votedFor: string | undefined;
  private role: Role = 'follower';
  private leader: string | undefined;
  private lastLeaderMs = 0;
  private electionDeadlineMs = 0;
  private votes = new Set<string>();

  cib: Cib = emptyCib();
  private readonly commitWaiters: {
    version: number;
    resolve: () => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  }[] = [];
  private readonly forwards = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private nextForwardId = 1;

  // DC state.
  private readonly dc: DcController;
  private refreshing = new Set<string>();
  private dcReady = false;

  // Node side.
  private quorate = false;
  private stoppingForQuorum = false;
  private closed = false;
  readonly warnings: string[] = [];

  constructor(
    private readonly opts: VigildOptions,
    cfgText: string,
  ) {
    this.cfg = parseClusterConfig(cfgText, opts.configPath);
    const me = this.cfg.nodes.find((n) => n.name === opts.node);
    if (!me)
      throw new VigilError(
        'VGL_E_CONFIG',
        `node '${opts.node}' is not in ${opts.configPath} (nodes: ${this.cfg.nodes.map((n) => n.name).join(', ')})`,
      );
    this.self = me.name;
    const base = dirname(resolve(opts.configPath));
    this.stateDir = resolve(base, this.cfg.stateDir.replaceAll('{node}', this.self));
    this.socketPath = resolve(base, this.cfg.socket.replaceAll('{node}', this.self));
    this.log =
      opts.log ??
      ((l) => process.stderr.write(`${new Date().toISOString()} vigild[${this.self}] ${l}\n`));
    this.dc = new DcController({
      self: this.self,
      debounceMs: this.cfg.timing.schedulerDebounceMs,
      term: () => this.term,
      canSchedule: () => this.role === 'leader' && this.dcReady,
      cib: () => this.cib,
      view: () => this.clusterView(),
      apply: (e) => this.applyLocal(e, 'vigild'),
      send: (node, key, a) => this.sendAction(node, key, a),
      fence: async (target) => {
        const r = await this.fencer.fence(target, 'reboot');
        return { ok: r.ok, detail: r.attempts.map((x) => `${x.device}: ${x.reason}`).join('; ') };
      },
      log: (l) => this.log(l),
      wallMs: () => Date.now(),
      monoMs: () => this.now(),
    });
    for (const n of this.cfg.nodes) {
      if (n.name === this.self) continue;
      this.peers.set(n.name, {
        name: n.name,
        addr: n.links[0]!,
        lastHeardMs: -Infinity,
        inc: 0,
        ackedVersion: 0,
        lastSentVersion: 0,
        lastSentMs: 0,
      });
    }
  }

  static async load(opts: VigildOptions): Promise<Vigild> {
    let text: string;
    try {
      text = await readFile(opts.configPath, 'utf8');
    } catch (e) {
      throw new VigilError(
        'VGL_E_NOT_FOUND',
        `cannot read ${opts.configPath}: ${(e as Error).message}`,
      );
    }
    return new Vigild(opts, text);
  }

  get socket(): string {
    return this.socketPath;
  }

  async start(): Promise<void> {
    const base = dirname(resolve(this.opts.configPath));
    const key = await readAuthkey(resolve(base, this.cfg.authkey));
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    // HA_RSCTMP is tmpfs on a real machine: a restart means nothing of ours runs any more.
    const rscTmp = process.env.HA_RSCTMP ?? join(this.stateDir, 'rsctmp');
    await rm(rscTmp, { recursive: true, force: true });
    await mkdir(rscTmp, { recursive: true });
    await this.loadState();
    if (!this.cfg.stonithEnabled) {
      const w =
        'WARNING: stonithEnabled is false. A node that stops answering is assumed to be dead; if it is ' +
        'still running, its resources may run twice (split brain). Configure fencing for production.';
      this.warnings.push(w);
      this.log(w);
    }
    const runner = new NodeProcessRunner();
    this.lrm = new Lrm({
      node: this.self,
      runner: {
        run: (spec, sig) => runner.run({ ...spec, env: { ...spec.env, ...fenceTagEnv() } }, sig),
      },
      rscTmp,
      ocfRoot: process.env.OCF_ROOT ?? '/usr/lib/ocf',
      extraOcfDirs: this.opts.extraOcfDirs ?? [],
      log: (l) => this.log(`lrm: ${l}`),
      onMonitorFailure: (r) => this.reportMonitorFailure(r),
      wallMs: () => Date.now(),
    });
    this.fencer = new Fencer(this.cfg, runner, this.opts.fenceAgentDirs ?? [], (l) => this.log(l));
    this.transport = new SecureTransport(key, this.cfg.cluster, this.self, Date.now());
    this.transport.onMessage((e) => this.onMessage(e));
    const me = this.cfg.nodes.find((n) => n.name === this.self)!;
    await this.transport.bind(me.links[0]!);
    this.api = new ApiServer(this.socketPath, (r) => this.handleApi(r));
    await this.api.listen();
    this.resetElectionDeadline();
    this.tickTimer = setInterval(() => this.tick(), this.cfg.timing.heartbeatIntervalMs);
    this.log(
      `started: cluster ${this.cfg.cluster}, ${this.cfg.nodes.length} nodes, term ${this.term}, CIB v${this.cib.version}, API ${this.socketPath}`,
    );
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.tickTimer);
    this.dc.stop('vigild stopping');
    this.lrm.close();
    await this.api.close();
    await this.transport.close();
  }

  // ---------------------------------------------------------------- persistence

  private async loadState(): Promise<void> {
    try {
      const t = JSON.parse(await readFile(join(this.stateDir, TERM_FILE), 'utf8')) as {
        term: number;
        votedFor?: string;
      };
      this.term = t.term;
      this.votedFor = t.votedFor;
    } catch {
      // fresh node
    }
    try {
      this.cib = JSON.parse(await readFile(join(this.stateDir, CIB_FILE), 'utf8')) as Cib;
    } catch {
      this.cib = emptyCib();
    }
  }

  private writeQueue: Promise<void> = Promise.resolve();

  /** Durably writes a file (temp + fsync + rename), in order with earlier writes. */
  private persist(name: string, data: unknown): Promise<void> {
    const text = JSON.stringify(data);
    const p = this.writeQueue.then(async () => {
      const tmp = join(this.stateDir, `${name}.tmp`);
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(this.stateDir, name));
    });
    this.writeQueue = p.catch((e: unknown) =>
      this.log(`persist ${name} failed: ${(e as Error).message}`),
    );
    return p;
  }

  private async setTerm(term: number, votedFor: string | undefined): Promise<void> {
    this.term = term;
    this.votedFor = votedFor;
    this.lrm.newestTerm = Math.max(this.lrm.newestTerm, term);
    await this.persist(TERM_FILE, { term, votedFor });
  }

  // ---------------------------------------------------------------- membership & election

  private now(): number {
    return performance.now();
  }

  private alive(name: string): boolean {
    if (name === this.self) return true;
    const p = this.peers.get(name);
    return p !== undefined && this.now() - p.lastHeardMs <= this.cfg.timing.deadtimeMs;
  }

  members(): string[] {
    return this.cfg.nodes.map((n) => n.name).filter((n) => this.alive(n));
  }

  private majority(): number {
    return Math.floor(this.cfg.nodes.length / 2) + 1;
  }

  private resetElectionDeadline(): void {
    const e = this.cfg.timing.electionTimeoutMs;
    this.electionDeadlineMs = this.now() + e + Math.random() * e;
  }

  private broadcast(msg: Envelope['msg']): void {
    for (const p of this.peers.values()) this.transport.send(p.addr, msg);
  }

  private tick(): void {
    if (this.closed) return;
    const now = this.now();
    this.broadcast({
      t: 'hb',
      term: this.term,
      leader: this.role === 'leader',
      cibTerm: this.cib.term,
      cibVersion: this.cib.version,
    });
    const wasQuorate = this.quorate;
    this.quorate = this.members().length >= this.majority();
    if (wasQuorate !== this.quorate)
      this.log(this.quorate ? `quorum gained (${this.members().join(', ')})` : 'quorum LOST');
    if (this.quorate) this.stoppingForQuorum = false;
    else this.onNoQuorum();

    if (this.role === 'leader') {
      if (!this.quorate) {
        this.log('stepping down as DC: no quorum');
        this.becomeFollower(undefined);
        return;
      }
      this.replicate(now);
      this.checkMembershipAsDc();
      this.dc.tick();
    } else {
      if (this.leader !== undefined && !this.alive(this.leader)) this.leader = undefined;
      if (now >= this.electionDeadlineMs && this.quorate) void this.startElection();
    }
  }

  private async startElection(): Promise<void> {
    this.role = 'candidate';
    this.leader = undefined;
    this.votes = new Set([this.self]);
    this.resetElectionDeadline();
    await this.setTerm(this.term + 1, this.self);
    this.log(`election: term ${this.term}, CIB (${this.cib.term}, v${this.cib.version})`);
    this.broadcast({
      t: 'vote-req',
      term: this.term,
      cibTerm: this.cib.term,
      cibVersion: this.cib.version,
    });
    if (this.votes.size >= this.majority()) this.becomeLeader();
  }

  private becomeFollower(leader: string | undefined): void {
    const was = this.role;
    this.role = 'follower';
    this.leader = leader;
    this.resetElectionDeadline();
    if (was === 'leader') {
      this.dc.stop('no longer DC');
      this.dcReady = false;
      for (const w of this.commitWaiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(
          new VigilError(
            'VGL_E_NOT_LEADER',
            `${this.self} stopped being DC before the change committed`,
          ),
        );
      }
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.self;
    for (const p of this.peers.values()) {
      p.ackedVersion = 0;
      p.lastSentVersion = 0;
    }
    this.log(`became DC in term ${this.term}`);
    this.dcReady = false;
    // Re-learn the status: every live node reports its resources (probing unknown ones).
    const states: CibEntry[] = [];
    for (const n of this.cfg.nodes) {
      const st = this.cib.status.nodes[n.name]?.state;
      if (this.alive(n.name)) {
        if (st !== 'member') states.push({ op: 'node-state', node: n.name, state: 'member' });
      } else if (st === 'member' || st === 'pending' || st === undefined) {
        states.push({
          op: 'node-state',
          node: n.name,
          state: st === undefined ? 'pending' : 'lost',
        });
      }
    }
    // Stamp the CIB with this term even when nothing changed, so it supersedes older replicas.
    if (states.length === 0)
      this.cib = { ...this.cib, term: this.term, version: this.cib.version + 1 };
    for (const e of states) this.applyLocal(e, 'vigild');
    if (states.length === 0) void this.persist(CIB_FILE, this.cib);
    const live = this.members();
    for (const n of live) this.refreshNode(n);
    const t = setTimeout(() => {
      if (this.role === 'leader' && !this.dcReady) {
        this.log(
          `status refresh incomplete after ${REFRESH_TIMEOUT_MS} ms (waiting for ${[...this.refreshing].join(', ')}); scheduling anyway`,
        );
        this.dcReady = true;
        this.refreshing.clear();
        this.requestSchedule('DC takeover');
      }
    }, REFRESH_TIMEOUT_MS);
    t.unref();
  }

  private refreshNode(n: string): void {
    this.refreshing.add(n);
    const defs = primitives(this.cib.config).map((x) => x.prim);
    if (n === this.self) {
      void this.lrm
        .refresh(defs, 20_000)
        .then((ops) => this.onRefreshed(this.self, this.term, ops));
    } else {
      this.send(n, { t: 'refresh', term: this.term, defs });
    }
  }

  private onRefreshed(node: string, term: number, ops: Record<string, OpRecord>): void {
    if (this.role !== 'leader' || term !== this.term) return;
    this.applyLocal({ op: 'node-lrm', node, ops }, 'vigild');
    this.refreshing.delete(node);
    if (!this.dcReady && this.refreshing.size === 0) {
      this.dcReady = true;
      this.log('status re-learnt from every live node');
    }
    this.requestSchedule(`status of ${node} refreshed`);
  }

  /** DC: notices nodes that died or came back. */
  private checkMembershipAsDc(): void {
    for (const n of this.cfg.nodes) {
      const st = this.cib.status.nodes[n.name]?.state;
      const up = this.alive(n.name);
      if (up && st !== 'member') {
        this.log(`node ${n.name} joined`);
        this.applyLocal({ op: 'node-state', node: n.name, state: 'member' }, 'vigild');
        this.refreshNode(n.name);
        this.requestSchedule(`node ${n.name} joined`);
      } else if (!up && st === 'member') {
        this.log(`node ${n.name} is lost (silent for more than ${this.cfg.timing.deadtimeMs} ms)`);
        this.applyLocal({ op: 'node-state', node: n.name, state: 'lost' }, 'vigild');
        this.dc.nodeLost(n.name);
        this.requestSchedule(`node ${n.name} lost`);
      } else if (!up && st === 'pending' && !this.cfg.stonithEnabled) {
        // never seen and no fencing: nothing to do
      }
    }
  }

  // ---------------------------------------------------------------- messages

  private send(node: string, msg: Envelope['msg']): void {
    const p = this.peers.get(node);
    if (p) this.transport.send(p.addr, msg);
  }

  private onMessage(e: Envelope): void {
    if (this.closed) return;
    const p = this.peers.get(e.from);
    if (!p) return;
    if (p.inc !== e.inc) {
      p.inc = e.inc;
      p.ackedVersion = 0;
      p.lastSentVersion = 0;
    }
    p.lastHeardMs = this.now();
    const m = e.msg;
    const term = typeof m.term === 'number' ? m.term : undefined;
    switch (m.t) {
      case 'hb': {
        if (term === undefined) return;
        if (m.leader === true) {
          if (term > this.term) void this.setTerm(term, undefined);
          if (term >= this.term) {
            if (this.role !== 'follower' || this.leader !== e.from) {
              if (this.role === 'leader')
                this.log(`another DC ${e.from} in term ${term}; stepping down`);
              this.becomeFollower(e.from);
            }
            this.lastLeaderMs = this.now();
            this.resetElectionDeadline();
          }
        }
        return;
      }
      case 'vote-req':
        void this.onVoteRequest(e.from, m);
        return;
      case 'vote':
        if (this.role === 'candidate' && term === this.term && m.granted === true) {
          this.votes.add(e.from);
          if (this.votes.size >= this.majority()) this.becomeLeader();
        } else if (term !== undefined && term > this.term) {
          void this.setTerm(term, undefined);
          this.becomeFollower(undefined);
        }
        return;
      case 'cib':
        void this.onCib(e.from, m);
        return;
      case 'cib-ack':
        if (this.role === 'leader' && term === this.term && typeof m.version === 'number') {
          p.ackedVersion = Math.max(p.ackedVersion, m.version);
          this.checkCommits();
        }
        return;
      case 'refresh':
        if (term !== undefined && term >= this.term && Array.isArray(m.defs)) {
          void this.lrm
            .refresh(m.defs as PrimitiveDef[], 20_000)
            .then((ops) => this.send(e.from, { t: 'refreshed', term, ops }));
        }
        return;
      case 'refreshed':
        if (term !== undefined && typeof m.ops === 'object' && m.ops !== null)
          this.onRefreshed(e.from, term, m.ops as Record<string, OpRecord>);
        return;
      case 'act':
        this.onAction(e.from, m);
        return;
      case 'act-res':
        this.onActionResult(e.from, m);
        return;
      case 'mon-fail':
        if (this.role === 'leader' && typeof m.rsc === 'string' && typeof m.rec === 'object')
          this.dc.onMonitorFailure(e.from, m.rsc, m.rec as OpRecord);
        return;
      case 'fwd':
        void this.onForward(e.from, m);
        return;
      case 'fwd-res': {
        const f = this.forwards.get(Number(m.rid));
        if (!f) return;
        this.forwards.delete(Number(m.rid));
        clearTimeout(f.timer);
        if (m.ok === true) f.resolve(m.result);
        else {
          const err = m.error as { code: string; message: string };
          f.reject(new VigilError(err.code as 'VGL_E_INTERNAL', err.message));
        }
        return;
      }
      default:
        return;
    }
  }

  private async onVoteRequest(from: string, m: Envelope['msg']): Promise<void> {
    const term = Number(m.term);
    const cand = { term: Number(m.cibTerm), version: Number(m.cibVersion) };
    // Leader stickiness: while a live DC is heard, a rejoining node cannot depose it.
    const leaderFresh =
      (this.role === 'leader' && this.quorate) ||
      (this.leader !== undefined &&
        this.alive(this.leader) &&
        this.now() - this.lastLeaderMs < this.cfg.timing.electionTimeoutMs);
    if (leaderFresh) {
      this.send(from, { t: 'vote', term: this.term, granted: false });
      return;
    }
    if (term > this.term) {
      this.becomeFollower(undefined);
      await this.setTerm(term, undefined);
    }
    let granted = false;
    if (
      term === this.term &&
      (this.votedFor === undefined || this.votedFor === from) &&
      !cibNewer(this.cib, cand)
    ) {
      await this.setTerm(term, from);
      granted = true;
      this.resetElectionDeadline();
    }
    this.send(from, { t: 'vote', term: this.term, granted });
  }

  private async onCib(from: string, m: Envelope['msg']): Promise<void> {
    const term = Number(m.term);
    if (term < this.term) return;
    if (term > this.term) await this.setTerm(term, undefined);
    if (this.role !== 'follower' || this.leader !== from) this.becomeFollower(from);
    this.lastLeaderMs = this.now();
    const cib = m.cib as Cib;
    if (cib.version !== this.cib.version || cib.term !== this.cib.term) {
      this.cib = cib;
      await this.persist(CIB_FILE, cib);
    }
    this.send(from, { t: 'cib-ack', term, version: cib.version });
  }

  // ---------------------------------------------------------------- CIB changes

  /** DC: applies an entry now and replicates it. Returns the new version. */
  private applyLocal(e: CibEntry, who: string): number {
    const next = applyEntry(this.cib, e, { who, wallMs: Date.now(), term: this.term });
    this.cib = next;
    void this.persist(CIB_FILE, next);
    this.replicate(this.now(), true);
    return next.version;
  }

  private replicate(now: number, force = false): void {
    for (const p of this.peers.values()) {
      if (!this.alive(p.name)) continue;
      if (p.ackedVersion >= this.cib.version && p.lastSentVersion >= this.cib.version) continue;
      if (!force && p.lastSentVersion === this.cib.version && now - p.lastSentMs < RESEND_MS)
        continue;
      if (!this.transport.send(p.addr, { t: 'cib', term: this.term, cib: this.cib }))
        this.log(`CIB v${this.cib.version} is larger than one packet; it cannot replicate`);
      p.lastSentVersion = this.cib.version;
      p.lastSentMs = now;
    }
  }

  private checkCommits(): void {
    for (let i = this.commitWaiters.length - 1; i >= 0; i--) {
      const w = this.commitWaiters[i]!;
      let n = 1;
      for (const p of this.peers.values()) if (p.ackedVersion >= w.version) n++;
      if (n >= this.majority()) {
        clearTimeout(w.timer);
        this.commitWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Applies a user's change on the DC (here or forwarded) and waits until a majority has it. */
  private async change(entry: CibEntry, who: string): Promise<{ version: number }> {
    if (!this.quorate)
      throw new VigilError(
        'VGL_E_NO_QUORUM',
        `${this.self} has no quorum (members: ${this.members().join(', ')})`,
      );
    if (this.role !== 'leader') {
      if (this.leader === undefined)
        throw new VigilError('VGL_E_UNAVAILABLE', 'no DC elected yet; try again in a moment');
      return (await this.forward(this.leader, 'change', { entry }, who)) as { version: number };
    }
    if (this.commitWaiters.length >= MAX_PENDING)
      throw new VigilError('VGL_E_LIMIT', 'too many changes waiting to commit');
    const version = this.applyLocal(entry, who);
    if (isConfigEntry(entry) || entry.op === 'cleanup')
      this.requestSchedule(`configuration v${version}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.commitWaiters.findIndex((w) => w.version === version);
        if (i >= 0) this.commitWaiters.splice(i, 1);
        reject(
          new VigilError(
            'VGL_E_TIMEOUT',
            `change v${version} was not acknowledged by a majority within ${COMMIT_TIMEOUT_MS} ms`,
          ),
        );
      }, COMMIT_TIMEOUT_MS);
      this.commitWaiters.push({ version, resolve, reject, timer });
      this.checkCommits();
    });
    return { version };
  }

  private forward(
    leader: string,
    method: string,
    params: Record<string, unknown>,
    who: string,
  ): Promise<unknown> {
    if (this.forwards.size >= MAX_PENDING)
      throw new VigilError('VGL_E_LIMIT', 'too many forwarded requests');
    const rid = this.nextForwardId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forwards.delete(rid);
        reject(
          new VigilError(
            'VGL_E_TIMEOUT',
            `DC ${leader} did not answer ${method} within ${FORWARD_TIMEOUT_MS} ms`,
          ),
        );
      }, FORWARD_TIMEOUT_MS);
      this.forwards.set(rid, { resolve, reject, timer });
      this.send(leader, { t: 'fwd', rid, method, params, who });
    });
  }

  private async onForward(from: string, m: Envelope['msg']): Promise<void> {
    try {
      const result = await this.handleApi({
        id: 0,
        method: String(m.method),
        params: (m.params ?? {}) as Record<string, unknown>,
        who: `${String(m.who)} via ${from}`,
      });
      this.send(from, { t: 'fwd-res', rid: m.rid, ok: true, result: result ?? null });
    } catch (e) {
      const error = isVigilError(e)
        ? { code: e.code, message: e.message }
        : { code: 'VGL_E_INTERNAL', message: String(e) };
      this.send(from, { t: 'fwd-res', rid: m.rid, ok: false, error });
    }
  }

  // ---------------------------------------------------------------- the DC's controller

  private requestSchedule(why: string): void {
    if (this.role === 'leader') this.dc.request(why);
  }

  /** What the scheduler is told about membership and quorum (only the DC knows it first-hand). */
  private clusterView(): ClusterView {
    return {
      nodes: this.cfg.nodes.filter((n) => !n.witness).map((n) => n.name),
      online: new Set(this.members()),
      quorate: this.quorate,
      stonithEnabled:
        this.cfg.stonithEnabled &&
        (this.cib.config.properties['stonith-enabled'] ?? 'true') !== 'false',
      noQuorumPolicy: this.cfg.noQuorumPolicy,
      dc: this.role === 'leader' ? this.self : this.leader,
    };
  }

  /** DC: sends an action to a node's executor (runs it here when the node is this one). */
  private sendAction(node: string, key: string, a: PlannedAction): void {
    const term = this.term;
    const op = {
      op: a.op ?? a.task,
      def: a.def!,
      ...(a.intervalMs ? { intervalMs: a.intervalMs } : {}),
      timeoutMs: a.timeoutMs,
      ...(a.meta ? { meta: a.meta } : {}),
    };
    if (node === this.self) {
      void this.lrm.execute(term, key, op).then(
        (r) => this.role === 'leader' && this.dc.onResult(this.self, key, r),
        (e: unknown) => this.role === 'leader' && this.dc.onError(key, (e as Error).message),
      );
      return;
    }
    this.send(node, { t: 'act', term, key, ...op, intervalMs: op.intervalMs ?? 0 });
  }

  /** Node side: runs an action from the DC (refused when its term is older than ours). */
  private onAction(from: string, m: Envelope['msg']): void {
    const term = Number(m.term);
    const key = String(m.key);
    const reply = (res: Record<string, unknown>): void =>
      this.send(from, { t: 'act-res', term, key, ...res });
    this.lrm
      .execute(term, key, {
        op: String(m.op),
        def: m.def as PrimitiveDef,
        ...(Number(m.intervalMs) > 0 ? { intervalMs: Number(m.intervalMs) } : {}),
        timeoutMs: Number(m.timeoutMs),
        ...(typeof m.meta === 'object' && m.meta !== null
          ? { meta: m.meta as Record<string, string> }
          : {}),
      })
      .then(
        (r) => reply({ rsc: r.rsc, rec: r.rec, ok: r.ok }),
        (e: unknown) => reply({ error: (e as Error).message }),
      );
  }

  private onActionResult(from: string, m: Envelope['msg']): void {
    if (this.role !== 'leader' || Number(m.term) !== this.term) return;
    const key = String(m.key);
    if (typeof m.error === 'string') {
      this.dc.onError(key, `${from}: ${m.error}`);
      return;
    }
    this.dc.onResult(from, key, { rsc: String(m.rsc), rec: m.rec as OpRecord, ok: m.ok === true });
  }

  private reportMonitorFailure(r: LrmResult): void {
    this.log(`monitor of ${r.rsc} failed: rc=${r.rec.rc} ${r.rec.reason}`);
    if (this.role === 'leader') this.dc.onMonitorFailure(this.self, r.rsc, r.rec);
    else if (this.leader)
      this.send(this.leader, { t: 'mon-fail', term: this.term, rsc: r.rsc, rec: r.rec });
  }

  private onNoQuorum(): void {
    if (this.stoppingForQuorum) return;
    const policy = this.cfg.noQuorumPolicy;
    if (policy === 'ignore' || policy === 'freeze') return;
    if (this.lrm.activeResources().length === 0) return;
    this.stoppingForQuorum = true;
    this.log(`no quorum: no-quorum-policy=${policy}, stopping every local resource`);
    void this.lrm
      .stopAll(Math.max(1000, this.cfg.timing.quorumLossStopMs), 'quorum lost')
      .then(() => {
        // An action that was already running when quorum went (a start) may have left something
        // active: the next tick without quorum stops it too.
        this.stoppingForQuorum = false;
        if (policy === 'suicide') {
          this.log('no-quorum-policy=suicide: exiting');
          process.exit(1);
        }
      });
  }

  // ---------------------------------------------------------------- local API

  private async handleApi(req: ApiRequest): Promise<unknown> {
    const who = req.who ?? 'unknown';
    switch (req.method) {
      case 'ping':
        return { node: this.self };
      case 'status':
        return buildStatus(this.statusInput());
      case 'cib':
        return this.cib;
      case 'history':
        return this.cib.history;
      case 'explain': {
        const rsc = typeof req.params.rsc === 'string' ? req.params.rsc : '';
        const x = this.dc.explain(rsc);
        if (!x) throw new VigilError('VGL_E_NOT_FOUND', `no resource '${rsc}'`);
        return x;
      }
      case 'change': {
        const entry = req.params.entry as CibEntry | undefined;
        if (typeof entry !== 'object' || typeof entry.op !== 'string')
          throw new VigilError('VGL_E_USAGE', 'change needs params.entry with an op');
        return this.change(entry, who);
      }
      case 'changes': {
        const entries = req.params.entries as CibEntry[] | undefined;
        if (!Array.isArray(entries) || entries.length > 64)
          throw new VigilError('VGL_E_USAGE', 'changes needs params.entries, a list of at most 64');
        let last = { version: this.cib.version };
        for (const e of entries) last = await this.change(e, who);
        return last;
      }
      default:
        throw new VigilError('VGL_E_USAGE', `unknown API method '${req.method}'`);
    }
  }

  statusInput() {
    return {
      cfg: this.cfg,
      self: this.self,
      cib: this.cib,
      members: this.members(),
      quorate: this.quorate,
      dc: this.role === 'leader' ? this.self : this.leader,
      term: this.term,
      warnings: this.warnings,
      transition: this.dc.current,
      localActive: this.lrm.activeResources(),
    };
  }
}

/** Passes the fence tag (which marks every process of this node for fence_vigil) to agents. */
function fenceTagEnv(): Record<string, string> {
  const tag = process.env.VIGIL_FENCE_TAG;
  return tag ? { VIGIL_FENCE_TAG: tag } : {};
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
