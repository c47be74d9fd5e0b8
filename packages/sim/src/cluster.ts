import { AssertionFailure, isVigilError } from '@vigil/base';
import {
  RaftStorage,
  RawNode,
  type Entry,
  type Membership,
  type Message,
  type ReadState,
  type Snapshot,
  type TestOnlyFaults,
} from '@vigil/raft';
import { Checker, chainHash, INITIAL_HASH } from './checker.js';
import { SimClock, SimWorld } from './clock.js';
import { SimCrash, SimDisk } from './disk.js';
import { SimRandom } from './random.js';

export interface SimOptions {
  readonly seed: number;
  /** Cluster size: 3, 5 or 7. */
  readonly nodes: number;
  /** Ticks of faults (crashes, partitions, loss…) and client traffic. Default 600. */
  readonly faultTicks?: number;
  /**
   * After the faults stop, every live member must agree on one leader and the same applied
   * state within this many ticks. Default 300 (3 s of virtual time at 10 ms ticks).
   */
  readonly convergeTicks?: number;
  readonly trace?: boolean;
  /** Breaks the core on purpose (on every node), to prove the checkers catch it. */
  readonly brokenCore?: TestOnlyFaults;
}

export interface SimResult {
  readonly seed: number;
  readonly nodes: number;
  readonly violations: readonly string[];
  readonly trace: readonly string[];
  /** Ticks after the faults stopped until the cluster converged, or null if it did not. */
  readonly convergedAfterTicks: number | null;
  readonly stats: SimStats;
}

export interface SimStats {
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  crashes: number;
  tornTails: number;
  truncatedBytes: number;
  leaderChanges: number;
  committedProposals: number;
  confChanges: number;
  transfers: number;
  reads: number;
  snapshotsInstalled: number;
  partitions: number;
}

/** Virtual ms per Raft tick. */
export const TICK_MS = 10;
const ELECTION_TICKS = 10;
const COMPACT_EVERY = 40;
const DIR = '/var/lib/vigil/raft';

interface SimNode {
  readonly id: string;
  readonly disk: SimDisk;
  readonly clock: SimClock;
  raft: RawNode | undefined;
  storage: RaftStorage | undefined;
  incarnation: number;
  app: { index: number; hash: number };
  /** Reads in flight: request id → highest index applied anywhere when it was asked. */
  reads: Map<string, number>;
}

function encodeApp(index: number, hash: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, Math.floor(index / 0x1_0000_0000));
  v.setUint32(4, index % 0x1_0000_0000);
  v.setUint32(8, hash);
  return b;
}

function decodeApp(b: Uint8Array): { index: number; hash: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { index: v.getUint32(0) * 0x1_0000_0000 + v.getUint32(4), hash: v.getUint32(8) };
}

/**
 * One seeded run: a cluster of real Raft cores with real storage code on simulated disks, a
 * simulated network and drifting clocks, under faults, with the checkers watching.
 */
export class RaftSimulation {
  private readonly world = new SimWorld();
  private readonly rng: SimRandom;
  private readonly netRng: SimRandom;
  private readonly faultRng: SimRandom;
  private readonly diskRng: SimRandom;
  readonly checker: Checker;
  private readonly nodes: SimNode[] = [];
  private readonly ids: string[];
  private readonly founding: Membership;
  private readonly trace: string[] = [];
  private readonly stats: SimStats = {
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    crashes: 0,
    tornTails: 0,
    truncatedBytes: 0,
    leaderChanges: 0,
    committedProposals: 0,
    confChanges: 0,
    transfers: 0,
    reads: 0,
    snapshotsInstalled: 0,
    partitions: 0,
  };
  /** Blocked directed links `from>to`. */
  private blocked = new Set<string>();
  private loss = 0;
  private dup = 0;
  private maxDelayMs = 5;
  private faultsOn = true;
  private proposalSeq = 0;
  private readSeq = 0;
  private lastLeader: string | null = null;
  private readonly leaderSendsEarly: boolean;

  constructor(private readonly opts: SimOptions) {
    if (![3, 5, 7].includes(opts.nodes))
      throw new RangeError(`nodes must be 3, 5 or 7, got ${opts.nodes}`);
    this.rng = new SimRandom(opts.seed);
    this.netRng = this.rng.fork('net');
    this.faultRng = this.rng.fork('faults');
    this.diskRng = this.rng.fork('disk');
    this.leaderSendsEarly = this.rng.fork('shell').chance(0.5);
    this.checker = new Checker((v) => this.log(`VIOLATION ${v}`));
    this.ids = Array.from({ length: opts.nodes }, (_, i) => String.fromCharCode(97 + i));
    this.founding = { members: this.ids.map((id) => ({ id, role: 'voter' as const })) };
    for (const id of this.ids) {
      // Clock drift: each node's clock runs up to ±2 % off.
      const rate = 1 + (this.rng.float() - 0.5) * 0.04;
      this.nodes.push({
        id,
        disk: new SimDisk(),
        clock: new SimClock(this.world, rate, this.rng.int(0, 1000)),
        raft: undefined,
        storage: undefined,
        incarnation: 0,
        app: { index: 0, hash: INITIAL_HASH },
        reads: new Map(),
      });
    }
  }

  private log(line: string): void {
    if (this.opts.trace === true || line.startsWith('VIOLATION')) {
      this.trace.push(`${String(Math.round(this.world.nowMs)).padStart(7)}ms ${line}`);
    }
  }

  private node(id: string): SimNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  async run(): Promise<SimResult> {
    const faultTicks = this.opts.faultTicks ?? 600;
    const convergeTicks = this.opts.convergeTicks ?? 300;
    this.loss = this.rng.float() * 0.3;
    this.dup = this.rng.float() * 0.1;
    this.maxDelayMs = this.rng.int(1, 30);
    this.log(
      `start seed=${this.opts.seed} nodes=${this.ids.join(',')} loss=${this.loss.toFixed(3)} dup=${this.dup.toFixed(3)} maxDelay=${this.maxDelayMs}ms leaderSendsEarly=${this.leaderSendsEarly}`,
    );
    for (const n of this.nodes) await this.start(n);

    // Faults and client traffic, decided once per tick of world time.
    const faultEnd = faultTicks * TICK_MS;
    for (let t = TICK_MS; t <= faultEnd; t += TICK_MS) this.world.at(t, () => this.chaos());
    for (let t = 200; t <= faultEnd; t += 200) this.world.at(t + 5, () => this.checkLogs());
    await this.world.run(faultEnd);

    // Faults stop: heal the network, restart every crashed node.
    this.faultsOn = false;
    this.blocked.clear();
    this.loss = 0;
    this.dup = 0;
    this.maxDelayMs = 5;
    for (const n of this.nodes) n.disk.armCrash(-1);
    this.log('faults stop: network healed, crashed nodes restart');
    for (const n of this.nodes) if (!n.raft) await this.start(n);
    let converged: number | null = null;
    for (let k = 1; k <= convergeTicks && this.checker.violations.length === 0; k++) {
      await this.world.run(faultEnd + k * TICK_MS);
      if (this.isConverged()) {
        converged = k;
        break;
      }
    }
    this.checkLogs();
    if (converged === null && this.checker.violations.length === 0) {
      this.checker.fail(
        `no convergence within ${convergeTicks} ticks after the faults stopped: ${this.describe()}`,
      );
    } else if (converged !== null) {
      this.log(`converged ${converged} ticks after the faults stopped: ${this.describe()}`);
    }
    return {
      seed: this.opts.seed,
      nodes: this.opts.nodes,
      violations: this.checker.violations,
      trace: this.trace,
      convergedAfterTicks: converged,
      stats: this.stats,
    };
  }

  private describe(): string {
    return this.nodes
      .map((n) => {
        const s = n.raft?.status();
        return s
          ? `${n.id}:${s.role[0]}${s.term}/c${s.commit}/a${n.app.index}/l${s.lastIndex}`
          : `${n.id}:down`;
      })
      .join(' ');
  }

  /** One leader in the newest term, and every member applied the leader's whole log. */
  private isConverged(): boolean {
    const leaders = this.nodes.filter((n) => n.raft?.status().role === 'leader');
    if (leaders.length === 0) return false;
    const leader = leaders.reduce((a, b) =>
      a.raft!.status().term >= b.raft!.status().term ? a : b,
    );
    const ls = leader.raft!.status();
    if (ls.commit !== ls.lastIndex || leader.app.index !== ls.commit) return false;
    for (const m of ls.membership.members) {
      const n = this.node(m.id);
      const s = n.raft?.status();
      if (!s || s.leader !== leader.id || s.term !== ls.term || n.app.index !== ls.commit)
        return false;
      if (n.app.hash !== leader.app.hash) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ node lifecycle

  private async start(n: SimNode): Promise<void> {
    try {
      const storage = await RaftStorage.open(n.disk, DIR, { maxSegmentBytes: 2048 });
      if (storage.report.truncatedBytes > 0) {
        this.stats.truncatedBytes += storage.report.truncatedBytes;
        this.log(`${n.id} storage: truncated ${storage.report.truncatedBytes} torn bytes`);
      }
      const st = storage.state;
      n.app = st.snapshot ? decodeApp(st.snapshot.data) : { index: 0, hash: INITIAL_HASH };
      n.incarnation++;
      n.storage = storage;
      n.reads = new Map();
      n.raft = new RawNode({
        id: n.id,
        initialMembership: this.founding,
        restore: st,
        applied: n.app.index,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: 1,
        seed: (this.opts.seed * 31 + n.incarnation * 7 + n.id.charCodeAt(0)) >>> 0,
        maxInflightMsgs: 8,
        maxBatchBytes: 512,
        ...(this.opts.brokenCore ? { testOnlyFaults: this.opts.brokenCore } : {}),
      });
      this.log(
        `${n.id} start #${n.incarnation}: term ${st.hardState.term}, ${st.entries.length} entries, snapshot ${st.snapshot?.index ?? '-'}`,
      );
      this.scheduleTick(n, n.incarnation);
      await this.drain(n);
    } catch (e) {
      this.onNodeError(n, e);
    }
  }

  private scheduleTick(n: SimNode, inc: number): void {
    n.clock.setTimer(TICK_MS, async () => {
      if (n.incarnation !== inc || !n.raft) return;
      this.scheduleTick(n, inc);
      await this.act(n, (r) => r.tick());
    });
  }

  private crash(n: SimNode, why: string): void {
    if (!n.raft) return;
    n.raft = undefined;
    n.storage = undefined;
    n.incarnation++;
    const torn = n.disk.crash(this.diskRng);
    this.stats.crashes++;
    this.stats.tornTails += torn;
    this.log(`${n.id} CRASH (${why})${torn > 0 ? `, ${torn} torn file tail(s)` : ''}`);
  }

  private onNodeError(n: SimNode, e: unknown): void {
    if (e instanceof SimCrash) {
      this.crash(n, 'power lost mid-write');
      return;
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.checker.fail(
      `${n.id} crashed on ${e instanceof AssertionFailure ? 'a broken invariant' : 'an error'}: ${what}`,
    );
    this.crash(n, 'error');
  }

  /** Runs `fn` against a live node's core, then carries out its Ready. */
  private async act(n: SimNode, fn: (r: RawNode) => void): Promise<void> {
    const r = n.raft;
    if (!r) return;
    try {
      fn(r);
      await this.drain(n);
    } catch (e) {
      this.onNodeError(n, e);
    }
  }

  private async drain(n: SimNode): Promise<void> {
    const inc = n.incarnation;
    for (let guard = 0; guard < 1000; guard++) {
      const r = n.raft;
      const storage = n.storage;
      if (!r || !storage || n.incarnation !== inc || !r.hasReady()) return;
      const rd = r.ready();
      // Like the heartbeat shell (Raft dissertation §10.2.1), half the seeds let a leader send
      // appends and heartbeats before its own fsync; the rest send everything after it.
      const early: Message[] = this.leaderSendsEarly
        ? rd.messages.filter((m) => m.type === 'append' || m.type === 'heartbeat')
        : [];
      for (const m of early) this.send(m);
      await storage.persist(rd);
      if (rd.softState) {
        if (rd.softState.role === 'leader' && this.lastLeader !== n.id) {
          this.stats.leaderChanges++;
          this.lastLeader = n.id;
        }
        this.log(
          `${n.id} ${rd.softState.role} term ${rd.softState.term} leader ${rd.softState.leader ?? '-'}${rd.softState.hasQuorum ? '' : ' (no quorum)'}`,
        );
        this.checker.onSoftState(n.id, rd.softState, r);
      }
      if (rd.snapshot) this.installSnapshot(n, rd.snapshot);
      for (const m of rd.messages) if (!early.includes(m)) this.send(m);
      for (const e of rd.committedEntries) this.apply(n, e);
      for (const rs of rd.readStates) this.onReadState(n, rs);
      r.advance(rd);
      const st = r.status();
      if (n.app.index - st.firstIndex + 1 > COMPACT_EVERY) {
        const snap = r.createSnapshot(n.app.index, encodeApp(n.app.index, n.app.hash));
        await storage.saveSnapshot(snap);
      }
    }
    this.checker.fail(`${n.id}: Ready did not drain in 1000 rounds`);
  }

  private installSnapshot(n: SimNode, s: Snapshot): void {
    const app = decodeApp(s.data);
    if (app.index !== s.index)
      this.checker.fail(`${n.id}: snapshot at ${s.index} carries state of ${app.index}`);
    n.app = app;
    this.stats.snapshotsInstalled++;
    this.checker.onApplied(n.id, s.index, this.checker.knownTerm(s.index) ?? -1, app.hash);
    this.log(`${n.id} installed snapshot at ${s.index}`);
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index !== n.app.index + 1) {
      this.checker.fail(`${n.id} applied ${e.index} after ${n.app.index}`);
      return;
    }
    const first = e.index > this.checker.maxApplied;
    n.app = { index: e.index, hash: chainHash(n.app.hash, e) };
    if (first && e.kind === 'normal' && e.data.length > 0) this.stats.committedProposals++;
    this.checker.onApplied(n.id, e.index, e.term, n.app.hash);
  }

  private onReadState(n: SimNode, rs: ReadState): void {
    const floor = n.reads.get(rs.requestId);
    if (floor === undefined) {
      this.checker.fail(`${n.id}: read state for unknown request ${rs.requestId}`);
      return;
    }
    n.reads.delete(rs.requestId);
    this.stats.reads++;
    if (rs.index < floor) {
      this.checker.fail(
        `${n.id}: stale read ${rs.requestId}: index ${rs.index} < ${floor} committed before it began`,
      );
    }
  }

  // ------------------------------------------------------------------ network

  private send(m: Message): void {
    this.stats.messagesSent++;
    if (this.blocked.has(`${m.from}>${m.to}`) || this.netRng.chance(this.loss)) {
      this.stats.messagesDropped++;
      return;
    }
    const copies = this.netRng.chance(this.dup) ? 2 : 1;
    if (copies === 2) this.stats.messagesDuplicated++;
    for (let c = 0; c < copies; c++) {
      // Mostly short delays, sometimes a long one: messages overtake each other.
      const delay = this.netRng.chance(0.05)
        ? this.netRng.int(20, 120)
        : this.netRng.int(0, this.maxDelayMs + 1);
      this.world.after(delay + this.netRng.float(), async () => {
        const to = this.nodes.find((x) => x.id === m.to);
        if (!to?.raft || this.blocked.has(`${m.from}>${m.to}`)) return;
        await this.act(to, (r) => r.step(m));
      });
    }
  }

  private checkLogs(): void {
    const live = this.nodes.filter((n) => n.raft);
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        this.checker.checkLogMatching(live[i]!.id, live[i]!.raft!, live[j]!.id, live[j]!.raft!);
      }
    }
  }

  // ------------------------------------------------------------------ faults and clients

  private leaderNode(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      const s = n.raft?.status();
      if (s?.role === 'leader' && (!best || s.term > best.raft!.status().term)) best = n;
    }
    return best;
  }

  private async chaos(): Promise<void> {
    if (!this.faultsOn) return;
    const f = this.faultRng;
    const live = this.nodes.filter((n) => n.raft);
    const down = this.nodes.filter((n) => !n.raft);

    if (f.chance(0.004) && live.length > 0) {
      const n = f.pick(live);
      if (f.chance(0.5)) {
        this.crash(n, 'kill');
      } else {
        // Power loss in the middle of one of its next disk operations.
        n.disk.armCrash(f.int(0, 6));
        this.log(`${n.id} will lose power during a coming disk write`);
      }
    }
    if (down.length > 0 && f.chance(0.03)) await this.start(f.pick(down));

    if (f.chance(0.006)) this.changePartition(f);
    if (f.chance(0.005)) {
      this.loss = f.float() * 0.3;
      this.log(`network loss now ${(this.loss * 100).toFixed(1)} %`);
    }

    if (f.chance(0.3)) {
      const leader = this.leaderNode();
      const target = leader && f.chance(0.8) ? leader : live.length > 0 ? f.pick(live) : undefined;
      if (target) {
        const data = new TextEncoder().encode(`p${this.opts.seed}.${++this.proposalSeq}`);
        await this.client(target, 'propose', (r) => r.propose(data));
      }
    }
    // Each action looks the leader up again: the previous one may have crashed it.
    if (f.chance(0.005)) {
      const leader = this.leaderNode();
      if (leader) await this.membershipChange(leader, f);
    }
    if (f.chance(0.004)) {
      const leader = this.leaderNode();
      const voters = leader?.raft?.status().quorum.voters.filter((v) => v !== leader.id) ?? [];
      if (leader && voters.length > 0) {
        const to = f.pick(voters);
        this.stats.transfers++;
        await this.client(leader, `transfer to ${to}`, (r) => r.transferLeadership(to));
      }
    }
    if (f.chance(0.02)) {
      const leader = this.leaderNode();
      if (leader) {
        const id = `r${++this.readSeq}`;
        leader.reads.set(id, this.checker.maxApplied);
        await this.client(leader, `read ${id}`, (r) => r.readIndex(id));
      }
    }
  }

  private async membershipChange(leader: SimNode, f: SimRandom): Promise<void> {
    const m = leader.raft!.status().membership;
    const outside = this.ids.filter((id) => !m.members.some((x) => x.id === id));
    const voters = m.members.filter((x) => x.role !== 'learner');
    let change: Parameters<RawNode['proposeConfChange']>[0];
    if (outside.length > 0 && f.chance(0.7)) {
      change = {
        type: f.pick(['addLearner', 'addVoter', 'addWitness'] as const),
        id: f.pick(outside),
      };
    } else if (m.members.some((x) => x.role === 'learner') && f.chance(0.7)) {
      change = {
        type: f.chance(0.5) ? 'addVoter' : 'addWitness',
        id: f.pick(m.members.filter((x) => x.role === 'learner')).id,
      };
    } else if (
      voters.length > 3 ||
      (voters.length === 3 && this.ids.length === 3 && f.chance(0.3))
    ) {
      change = { type: 'remove', id: f.pick(m.members).id };
    } else if (voters.length > 0) {
      const v = f.pick(voters);
      change = { type: v.role === 'voter' ? 'addWitness' : 'addVoter', id: v.id };
    } else {
      return;
    }
    this.stats.confChanges++;
    await this.client(leader, `conf ${change.type} ${change.id}`, (r) =>
      r.proposeConfChange(change),
    );
  }

  private async client(n: SimNode, what: string, fn: (r: RawNode) => unknown): Promise<void> {
    await this.act(n, (r) => {
      try {
        const res = fn(r);
        if (what !== 'propose')
          this.log(`${n.id} ${what}: ok${res ? ` ${JSON.stringify(res)}` : ''}`);
      } catch (e) {
        // Refusals are part of the contract; anything else escapes to the checker.
        if (!isVigilError(e)) throw e;
        if (what !== 'propose') this.log(`${n.id} ${what}: ${e.code}`);
      }
    });
  }

  private changePartition(f: SimRandom): void {
    this.blocked.clear();
    const ids = this.ids;
    const kind = f.int(0, 4);
    const shuffled = ids
      .map((id) => ({ id, k: f.u32() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.id);
    const cut = f.int(1, ids.length);
    const g1 = shuffled.slice(0, cut);
    const g2 = shuffled.slice(cut);
    const block = (a: string, b: string): void => {
      this.blocked.add(`${a}>${b}`);
    };
    const cutBoth = (a: string, b: string): void => {
      block(a, b);
      block(b, a);
    };
    if (kind === 0) {
      this.log('partition healed');
      return;
    }
    this.stats.partitions++;
    if (kind === 1) {
      for (const a of g1) for (const b of g2) cutBoth(a, b);
      this.log(`partition symmetric {${g1.join(',')}} | {${g2.join(',')}}`);
    } else if (kind === 2) {
      for (const a of g1) for (const b of g2) block(a, b);
      this.log(`partition asymmetric {${g1.join(',')}} -/-> {${g2.join(',')}}`);
    } else {
      const bridge = shuffled[0]!;
      const rest = shuffled.slice(1);
      const h = Math.max(1, Math.floor(rest.length / 2));
      const left = rest.slice(0, h);
      const right = rest.slice(h);
      for (const a of left) for (const b of right) cutBoth(a, b);
      this.log(`partition bridge {${left.join(',')}} <-${bridge}-> {${right.join(',')}}`);
    }
  }
}

/** Runs one seed. */
export function simulate(opts: SimOptions): Promise<SimResult> {
  return new RaftSimulation(opts).run();
}
