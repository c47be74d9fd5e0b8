import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { VigilError, isVigilError } from '@vigil/base';
import { isTrue, writeCib } from '@vigil/cib';
import { LauncherProcessRunner, serveClusterPort, type FenceOutcome } from '@vigil/executor';
import type { MessagingEvent } from '@vigil/heartbeat';
import {
  applyEntry,
  isConfigEntry,
  primitivesFor,
  properties,
  schedulerCib,
  type Cib,
  type CibEntry,
  type ClusterView,
  type FenceRecord,
  type OpRecord,
  type PlannedAction,
  type PrimitiveDef,
} from '@vigil/controller';
import { parseClusterConfig, type ClusterConfig } from '../config/index.js';
import { ApiServer } from '../api/server.js';
import type { ApiRequest } from '../api/protocol.js';
import { LocalExecutor, prepareOcfRoot, type LocalOpResult } from './local-executor.js';
import { actionFromMessage, actionToMessage } from './action-message.js';
import { NodeFencing, checkCibFencing } from './fencing.js';
import { FenceDeviceMonitor, type MonitorResult } from './fence-monitor.js';
import { CibClusterPort } from './cluster-port.js';
import { buildStatus } from './views.js';
import { DcController } from './dc-controller.js';
import { ClusterLink, messagingConfig } from './cluster-link.js';
import { ReplicatedState, cibModel, type Applied, type ReplicatedCib } from './replicated-cib.js';

/**
 * vigild: one node of the cluster.
 *
 * The cluster layer is `@vigil/heartbeat`'s `MessagingNode` (through `ClusterLink`): membership,
 * quorum and the Raft log. The DC is the Raft leader once it has committed in its term. The CIB
 * is the Raft state machine (`ReplicatedCib`): every change, from the CLI or the DC's status
 * writes, is a log entry applied in order on every node. DC → node actions, their results,
 * status refreshes, monitor failures and forwarded CLI changes are requests over the messaging
 * layer's application channel; actions carry the term as a fencing token.
 */
export interface VigildOptions {
  readonly configPath: string;
  readonly node: string;
  /** Directories with extra `PROVIDER/TYPE` OCF agents (VIGIL_OCF_PATH). */
  readonly extraOcfDirs?: readonly string[];
  readonly fenceAgentDirs?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Deadline of a CLI change: commit on the DC, plus forwarding from a follower. */
const COMMIT_TIMEOUT_MS = 10_000;
const FORWARD_TIMEOUT_MS = 15_000;
/** Deadline of one status write by the DC. */
const STATUS_WRITE_TIMEOUT_MS = 10_000;
const REFRESH_TIMEOUT_MS = 5_000;
/** How long a change waits for a DC to appear (an election under way). */
const DC_WAIT_MS = 5_000;
/** An action's answer may take its own timeout plus this margin. */
const ACTION_MARGIN_MS = 5_000;
const MONITOR_REPORT_TIMEOUT_MS = 10_000;
/**
 * A start, promote or migration can reach a node before its own membership has formed: just
 * started, it hears the DC's Raft traffic a round or two before its failure detector counts the
 * peers up. Run then, the node's own no-quorum check would stop it behind the DC's back. It
 * waits this long for quorum of its own, then refuses (the DC schedules again). Less than
 * ACTION_MARGIN_MS, so the DC still hears the answer.
 */
const ACTION_QUORUM_WAIT_MS = 3_000;
/** The tasks that make a resource active, which a node without quorum must not run. */
const ACTIVATING_TASKS: ReadonlySet<string> = new Set(['start', 'promote', 'migrate_from']);
const MAX_PENDING = 256;
/**
 * The housekeeping tick: transition deadlines, membership check, quorum policy. It falls on
 * multiples of TICK_MS of wall time, as the messaging layer's heartbeat rounds do, so at the
 * default 200 ms heartbeat it shares their wake-up instead of adding one of its own.
 */
const TICK_MS = 200;
/** Configuration changes that cannot change the CIB's fence devices or topology. */
const FENCING_NEUTRAL: ReadonlySet<string> = new Set([
  'constraint-add',
  'constraint-remove',
  'property-set',
]);
/** Replaying the log on disk at start. */
const REPLAY_TIMEOUT_MS = 60_000;

export class Vigild {
  readonly cfg: ClusterConfig;
  readonly self: string;
  private readonly stateDir: string;
  private readonly socketPath: string;
  private readonly log: (line: string) => void;
  private link!: ClusterLink;
  private api: ApiServer | undefined;
  private lrm!: LocalExecutor;
  private fencer!: NodeFencing;
  private fenceMonitor!: FenceDeviceMonitor;
  private clusterPort: { close(): Promise<void> } | undefined;
  private runner: LauncherProcessRunner | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly rcib: ReplicatedCib;
  private pendingChanges = 0;

  // DC state.
  private isDc = false;
  private dcTerm = 0;
  /** The scheduler and graph runner (node/dc-controller.ts). */
  private readonly dc: DcController;
  /** Status writes proposed by this DC and not yet committed: the scheduler waits for them. */
  private pendingWrites = 0;
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
      term: () => this.dcTerm,
      canSchedule: () => this.isDc && this.dcReady,
      writesPending: () => this.pendingWrites > 0,
      cib: () => this.cib,
      view: () => this.clusterView(),
      apply: (e) => this.record(e),
      send: (node, key, a) => this.sendAction(node, key, a),
      fence: async (target, why) => {
        this.fencer.update(this.cib.config, `CIB v${this.cib.version}`);
        const r = await this.fencer.fence(target, 'reboot');
        this.recordFencing(r, why);
        return { ok: r.ok, detail: r.reason };
      },
      log: (l) => this.log(l),
      wallMs: () => Date.now(),
      monoMs: () => performance.now(),
    });
    this.rcib = new ReplicatedState(
      cibModel,
      (a) => this.onApplied(a),
      (l) => this.log(l),
    );
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

  /** This node's copy of the CIB (the state machine as applied here). */
  get cib(): Cib {
    return this.rcib.state;
  }

  async start(): Promise<void> {
    const base = dirname(resolve(this.opts.configPath));
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    // HA_RSCTMP is tmpfs on a real machine: a restart means nothing of ours runs any more.
    const rscTmp = process.env.HA_RSCTMP ?? join(this.stateDir, 'rsctmp');
    await rm(rscTmp, { recursive: true, force: true });
    await mkdir(rscTmp, { recursive: true });
    // So is HA_VARRUN (/run): agents keep state there too (ocf:pacemaker:Stateful its role).
    await rm(join(this.stateDir, 'varrun'), { recursive: true, force: true });
    if (!this.cfg.stonithEnabled) {
      const w =
        'WARNING: stonithEnabled is false. A node that stops answering is assumed to be dead; if it is ' +
        'still running, its resources may run twice (split brain). Configure fencing for production.';
      this.warnings.push(w);
      this.log(w);
    }
    // Agents are forked by a small launcher process, not by this 80 MiB one (see
    // LauncherProcessRunner); without perl they are forked here.
    const runner = new LauncherProcessRunner({
      launcherEnv: fenceTagEnv(),
      log: (l) => this.log(`lrm: ${l}`),
    });
    this.runner = runner;
    runner.start();
    const clusterSocket = join(this.stateDir, 'cluster-port.sock');
    this.lrm = new LocalExecutor({
      node: this.self,
      stateDir: this.stateDir,
      rscTmpDir: rscTmp,
      ocfRoot: prepareOcfRoot(
        join(this.stateDir, 'ocf'),
        process.env.OCF_ROOT ?? '/usr/lib/ocf',
        this.opts.extraOcfDirs ?? [],
      ),
      clusterSocket,
      runner: {
        run: (spec, sig) => runner.run({ ...spec, env: { ...spec.env, ...fenceTagEnv() } }, sig),
      },
      log: (l) => this.log(`lrm: ${l}`),
      onMonitorFailure: (r) => this.reportMonitorFailure(r),
      wallMs: () => Date.now(),
    });
    this.clusterPort = await serveClusterPort(
      clusterSocket,
      new CibClusterPort({
        self: this.self,
        nodeNames: () => this.cfg.nodes.map((n) => n.name),
        members: () => this.members(),
        quorate: () => this.quorate,
        cib: () => this.cib,
        change: (e, who) => this.change(e, who),
      }),
    );
    this.fencer = new NodeFencing(this.cfg, {
      runner,
      agentDirs: this.opts.fenceAgentDirs ?? [],
      log: (l) => this.log(l),
    });
    this.fenceMonitor = new FenceDeviceMonitor({
      run: (id, timeoutMs) => this.fencer.monitor(id, timeoutMs),
      busy: (id) => this.fencer.busy(id),
      known: (id) => this.cib.status.fenceDevices?.[id],
      changed: (id, r, before) => this.onFenceMonitorChange(id, r, before),
      monoMs: () => performance.now(),
    });
    this.link = await ClusterLink.start(
      messagingConfig(this.cfg, this.self, this.stateDir, resolve(base, this.cfg.authkey)),
      {
        onCommitted: (e) => this.rcib.onCommitted(e),
        onSnapshot: (s) => this.rcib.onSnapshot(s),
        onEvent: (e) => this.onClusterEvent(e),
        onRequest: (from, method, body) => this.onRequest(from, method, body),
        log: (l) => this.log(l),
      },
    );
    this.rcib.attach(this.link);
    this.lrm.observeTerm(this.link.term);
    // Rebuild the CIB from the snapshot and log on disk before serving anything.
    await this.rcib.waitApplied(this.link.status().commit, REPLAY_TIMEOUT_MS);
    this.fencer.update(this.cib.config, `CIB v${this.cib.version}`);
    this.api = new ApiServer(this.socketPath, (r) => this.handleApi(r));
    await this.api.listen();
    this.armTick();
    this.log(
      `started: cluster ${this.cfg.cluster}, ${this.cfg.nodes.length} nodes, CIB v${this.cib.version} (log index ${this.rcib.appliedIndex}), API ${this.socketPath}`,
    );
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.tickTimer);
    this.dc.stop('vigild stopping');
    await this.lrm.close();
    this.runner?.close();
    await this.clusterPort?.close();
    await this.api?.close();
    await this.link.close();
  }

  // ---------------------------------------------------------------- membership, quorum, DC

  members(): string[] {
    return this.link.members();
  }

  private alive(name: string): boolean {
    return name === this.self || this.link.members().includes(name);
  }

  private onClusterEvent(e: MessagingEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'leader':
        this.lrm.observeTerm(e.term);
        if (this.isDc && (e.role !== 'leader' || e.term !== this.dcTerm)) this.stepDown();
        this.log(
          e.leader === null
            ? `term ${e.term}: no leader (${e.role})`
            : `term ${e.term}: leader ${e.leader}`,
        );
        return;
      case 'leaderReady':
        if (this.link.isReadyLeader && !this.isDc) this.becomeDc(e.term);
        return;
      case 'membership':
        this.log(`node ${e.peer} ${e.up ? 'joined' : 'left'} (members: ${e.members.join(', ')})`);
        if (this.isDc) this.checkMembershipAsDc();
        return;
      case 'quorum':
        this.updateQuorum();
        return;
      case 'fatal':
        this.log(`messaging layer failed: ${e.message}; exiting`);
        process.exit(70);
        return;
      case 'late':
        // Heartbeat's warntime: logged once per silence, before any verdict.
        this.log(
          `late heartbeat from ${e.peer} on link ${e.link}: silent ${Math.round(e.silentMs)} ms (warntime ${this.cfg.timing.warntimeMs} ms, deadtime ${this.cfg.timing.deadtimeMs} ms)`,
        );
        return;
      case 'link':
        this.log(
          `link ${e.link} to ${e.peer} ${e.up ? 'up' : `down after ${Math.round(e.silentMs)} ms of silence`}`,
        );
        return;
      case 'raftMembership':
        return;
    }
  }

  private updateQuorum(): void {
    const was = this.quorate;
    this.quorate = this.link.quorate;
    if (was !== this.quorate)
      this.log(this.quorate ? `quorum gained (${this.members().join(', ')})` : 'quorum LOST');
    if (this.quorate) this.stoppingForQuorum = false;
    else this.onNoQuorum();
  }

  /** Arms the next tick on the next multiple of TICK_MS of wall time at least half a tick away. */
  private armTick(): void {
    if (this.closed) return;
    const d = TICK_MS - (Date.now() % TICK_MS);
    this.tickTimer = setTimeout(
      () => {
        this.armTick();
        this.tick();
      },
      d < TICK_MS / 2 ? d + TICK_MS : d,
    );
  }

  private tick(): void {
    if (this.closed) return;
    this.updateQuorum();
    if (!this.isDc) return;
    this.checkMembershipAsDc();
    this.dc.tick();
    this.fenceMonitor.configure(this.fencer.monitorSpecs);
    this.fenceMonitor.poll();
  }

  /** DC: a fence device's monitor result changed: logged once, recorded for every node. */
  private onFenceMonitorChange(id: string, r: MonitorResult, before: MonitorResult): void {
    this.log(
      r.ok
        ? `fence device ${id}: monitor ok again (it failed: ${before.reason})`
        : `fence device ${id}: monitor FAILED: ${r.reason} (fencing still tries it when its level comes)`,
    );
    this.proposeQuietly({
      op: 'fence-device-state',
      device: id,
      ok: r.ok,
      reason: r.reason,
      dc: this.self,
    });
  }

  /**
   * DC: records a completed fencing request in the replicated status section, so the history
   * survives a DC change. Nothing waits for it: recovery is gated by the fencing itself.
   */
  private recordFencing(r: FenceOutcome, why: string): void {
    if (r.action !== 'off' && r.action !== 'reboot' && r.action !== 'on') return;
    const winning = r.ok
      ? r.attempts.filter((a) => a.ok && a.level === r.attempts.at(-1)?.level)
      : [];
    this.proposeQuietly({
      op: 'fence-record',
      rec: {
        target: r.target,
        action: r.action,
        ok: r.ok,
        reason: r.reason,
        devices: [...new Set(winning.map((a) => a.device))],
        attempts: r.attempts.map((a) => ({
          level: a.level,
          device: a.device,
          ok: a.ok,
          reason: a.reason,
        })),
        dc: this.self,
        why,
        startedWallMs: r.startedWallMs,
        completedWallMs: r.completedWallMs,
      },
    });
  }

  /** DC: a status entry nobody waits for (the scheduler does not): a failure is only logged. */
  private proposeQuietly(e: CibEntry): void {
    if (!this.isDc) return;
    this.rcib
      .propose(e, 'vigild', STATUS_WRITE_TIMEOUT_MS)
      .catch((err: unknown) => this.log(`status write ${e.op} failed: ${(err as Error).message}`));
  }

  private becomeDc(term: number): void {
    this.isDc = true;
    this.dcTerm = term;
    this.dcReady = false;
    this.pendingWrites = 0;
    this.log(`became DC in term ${term}`);
    // Re-learn the status: every live node reports its resources (probing unknown ones).
    for (const n of this.cfg.nodes) {
      const st = this.cib.status.nodes[n.name]?.state;
      if (this.alive(n.name)) {
        if (st !== 'member') this.record({ op: 'node-state', node: n.name, state: 'member' });
      } else if (st === 'member' || st === 'pending' || st === undefined) {
        this.record({
          op: 'node-state',
          node: n.name,
          state: st === undefined ? 'pending' : 'lost',
        });
      }
    }
    for (const n of this.members()) this.refreshNode(n);
    const t = setTimeout(() => {
      if (this.isDc && this.dcTerm === term && !this.dcReady) {
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

  private stepDown(): void {
    this.log(`no longer DC (term ${this.dcTerm})`);
    this.isDc = false;
    this.dc.stop('no longer DC');
    this.fenceMonitor.stop();
    this.dcReady = false;
    this.refreshing.clear();
  }

  private refreshNode(n: string): void {
    const term = this.dcTerm;
    this.refreshing.add(n);
    const defs = primitivesFor(this.cib, n, this.self, Math.floor(Date.now() / 1000));
    const done = (ops: Record<string, OpRecord>): void => this.onRefreshed(n, term, ops);
    if (n === this.self) {
      void this.lrm.refresh(defs, 20_000).then(done);
      return;
    }
    this.link
      .request(n, 'refresh', { term, defs }, { timeoutMs: 25_000 })
      .then((ops) => done(ops as Record<string, OpRecord>))
      .catch((e: unknown) => {
        // Lost meanwhile (the request was cancelled) or not answering: it is fenced or probed
        // again when it rejoins; waiting for it would only delay recovery.
        this.log(`refresh of ${n} failed: ${(e as Error).message}`);
        this.refreshSettled(n, term, `refresh of ${n} failed`);
      });
  }

  private onRefreshed(node: string, term: number, ops: Record<string, OpRecord>): void {
    if (!this.isDc || term !== this.dcTerm) return;
    if (!sameOps(this.cib.status.ops[node] ?? {}, ops)) this.record({ op: 'node-lrm', node, ops });
    this.refreshSettled(node, term, `status of ${node} refreshed`);
  }

  private refreshSettled(node: string, term: number, why: string): void {
    if (!this.isDc || term !== this.dcTerm) return;
    this.refreshing.delete(node);
    if (!this.dcReady && this.refreshing.size === 0) {
      this.dcReady = true;
      this.log('status re-learnt from every live node');
    }
    this.requestSchedule(why);
  }

  /** DC: notices nodes that died or came back (once its own earlier writes are in the CIB). */
  private checkMembershipAsDc(): void {
    if (this.pendingWrites > 0) return;
    for (const n of this.cfg.nodes) {
      const st = this.cib.status.nodes[n.name]?.state;
      const up = this.alive(n.name);
      if (up && st !== 'member') {
        this.log(`node ${n.name} is a member`);
        this.record({ op: 'node-state', node: n.name, state: 'member' });
        this.refreshNode(n.name);
        this.requestSchedule(`node ${n.name} joined`);
      } else if (!up && st === 'member') {
        this.log(`node ${n.name} is lost (the failure detector declared it down)`);
        this.record({ op: 'node-state', node: n.name, state: 'lost' });
        this.link.cancel(n.name, 'node lost');
        this.dc.nodeLost(n.name);
        this.requestSchedule(`node ${n.name} lost`);
      }
    }
  }

  // ---------------------------------------------------------------- CIB changes

  /** Every committed entry, on every node, as it is applied. */
  private onApplied(a: Applied<Cib, CibEntry>): void {
    if (!isConfigEntry(a.logged.entry)) return;
    if (this.api !== undefined && a.logged.who !== 'vigild')
      this.log(`CIB v${a.after.version} (log ${a.index}): ${a.logged.who}: ${a.logged.entry.op}`);
    // The fencer follows the CIB's fence devices and topology (rebuilt only when they change).
    if (this.api !== undefined) this.fencer.update(a.after.config, `CIB v${a.after.version}`);
  }

  /** DC: a status write, proposed through the log; the scheduler waits until it commits. */
  private record(e: CibEntry): void {
    if (!this.isDc) return;
    this.pendingWrites++;
    let ok = false;
    this.rcib
      .propose(e, 'vigild', STATUS_WRITE_TIMEOUT_MS)
      .then(
        () => (ok = true),
        (err: unknown) => this.log(`status write ${e.op} failed: ${(err as Error).message}`),
      )
      .finally(() => {
        this.pendingWrites--;
        if (this.pendingWrites > 0 || !this.isDc) return;
        // After a failed write, the next tick retries: no tight loop while the log refuses.
        if (ok) this.checkMembershipAsDc();
        this.dc.writesSettled();
      });
  }

  /**
   * A user's change: proposed on the DC (here, or forwarded to it) and answered once committed
   * and applied on this node.
   */
  private async change(entry: CibEntry, who: string): Promise<{ version: number }> {
    if (!this.quorate)
      throw new VigilError(
        'VGL_E_NO_QUORUM',
        `${this.self} has no quorum (members: ${this.members().join(', ')})`,
      );
    if (this.pendingChanges >= MAX_PENDING)
      throw new VigilError('VGL_E_LIMIT', 'too many changes waiting to commit');
    this.pendingChanges++;
    try {
      try {
        return await this.changeOnce(entry, who);
      } catch (e) {
        // Refused before it was proposed (the DC changed meanwhile): safe to try the new one.
        if (!isVigilError(e) || e.code !== 'VGL_E_NOT_LEADER') throw e;
        return await this.changeOnce(entry, who);
      }
    } finally {
      this.pendingChanges--;
    }
  }

  private async changeOnce(entry: CibEntry, who: string): Promise<{ version: number }> {
    const leader = await this.waitForDc();
    if (leader === this.self) return this.changeAsDc(entry, who);
    const r = (await this.link.request(
      leader,
      'change',
      { entry, who: `${who} via ${this.self}` },
      { timeoutMs: FORWARD_TIMEOUT_MS },
    )) as { version: number; index: number };
    // Read your writes: answer once this node has applied the change too.
    await this.rcib.waitApplied(r.index, COMMIT_TIMEOUT_MS);
    return { version: this.cib.version };
  }

  private async changeAsDc(
    entry: CibEntry,
    who: string,
  ): Promise<{ version: number; index: number }> {
    if (!this.isDc)
      throw new VigilError('VGL_E_NOT_LEADER', `${this.self} is not the DC`, {
        leader: this.link.leader,
      });
    if (isConfigEntry(entry) && !FENCING_NEUTRAL.has(entry.op)) {
      // Refused here, before it is proposed, when the fencer would not take the CIB's fence
      // devices or topology it leaves (or when it is invalid at all): nothing is applied.
      const next = applyEntry(this.cib, entry, { who, wallMs: Date.now(), term: this.dcTerm });
      checkCibFencing(this.cfg, this.cib.config, next.config, this.opts.fenceAgentDirs ?? []);
    }
    const index = await this.rcib.propose(entry, who, COMMIT_TIMEOUT_MS);
    if (isConfigEntry(entry) || entry.op === 'cleanup')
      this.requestSchedule(`configuration change at log index ${index}`);
    // A transient node attribute (an agent's promotion score, attrd_updater) can change where
    // and in which role things run, as in Pacemaker, where it aborts the transition.
    else if (entry.op === 'node-attr')
      this.requestSchedule(`node attribute ${entry.name} on ${entry.node} at log index ${index}`);
    return { version: this.cib.version, index };
  }

  private async waitForDc(): Promise<string> {
    const t0 = performance.now();
    for (;;) {
      if (this.isDc) return this.self;
      const l = this.link.leader;
      if (l !== null && l !== this.self) return l;
      if (performance.now() - t0 > DC_WAIT_MS)
        throw new VigilError('VGL_E_UNAVAILABLE', 'no DC elected yet; try again in a moment');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---------------------------------------------------------------- requests between nodes

  private async onRequest(from: string, method: string, body: unknown): Promise<unknown> {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'act':
        return this.onAction(b);
      case 'refresh': {
        const term = Number(b.term);
        if (!(term >= this.lrm.newestTerm) || !Array.isArray(b.defs))
          throw new VigilError('VGL_E_CONFLICT', `refresh from stale term ${term}`);
        this.lrm.observeTerm(term);
        return this.lrm.refresh(b.defs as PrimitiveDef[], 20_000);
      }
      case 'mon-fail':
        if (!this.isDc) throw new VigilError('VGL_E_NOT_LEADER', `${this.self} is not the DC`);
        if (typeof b.rsc !== 'string' || typeof b.rec !== 'object' || b.rec === null)
          throw new VigilError('VGL_E_INVALID_INPUT', 'mon-fail needs rsc and rec');
        this.dc.onMonitorFailure(from, b.rsc, b.rec as OpRecord);
        return null;
      case 'fence-history':
        return this.fenceHistory();
      case 'change': {
        const entry = b.entry as CibEntry | undefined;
        if (typeof entry !== 'object' || typeof entry.op !== 'string')
          throw new VigilError('VGL_E_USAGE', 'change needs an entry with an op');
        return this.changeAsDc(entry, typeof b.who === 'string' ? b.who : `unknown via ${from}`);
      }
      default:
        throw new VigilError('VGL_E_USAGE', `unknown cluster request '${method}'`);
    }
  }

  // ---------------------------------------------------------------- the DC's controller

  private requestSchedule(why: string): void {
    if (this.isDc) this.dc.request(why);
  }

  /** What the scheduler is told about membership and quorum (only the DC knows it first-hand). */
  private clusterView(): ClusterView {
    this.fencer.update(this.cib.config, `CIB v${this.cib.version}`);
    return {
      nodes: this.cfg.nodes.filter((n) => !n.witness).map((n) => n.name),
      online: new Set(this.members()),
      quorate: this.quorate,
      stonithEnabled:
        this.cfg.stonithEnabled && isTrue(properties(this.cib.config)['stonith-enabled'] ?? 'true'),
      canFence: this.fencer.fencer.deviceIds.length > 0,
      noQuorumPolicy: this.cfg.noQuorumPolicy,
      dc: this.isDc ? this.self : (this.link.leader ?? undefined),
      fenceDevices: this.fencer.fencer.deviceIds,
    };
  }

  /** DC: sends an action to a node's executor (runs it here when the node is this one). */
  private sendAction(node: string, key: string, a: PlannedAction): void {
    const term = this.dcTerm;
    const body = {
      term,
      key,
      ...actionToMessage({
        primitive: a.def!,
        rsc: a.rsc!,
        task: a.op ?? a.task,
        ...(a.intervalMs !== undefined ? { intervalMs: a.intervalMs } : {}),
        ...(a.role !== undefined ? { role: a.role } : {}),
        timeoutMs: a.timeoutMs,
        ...(a.meta !== undefined ? { meta: a.meta } : {}),
      }),
    };
    const answer =
      node === this.self
        ? this.onAction(body)
        : this.link.request(node, 'act', body, { timeoutMs: a.timeoutMs + ACTION_MARGIN_MS });
    answer.then(
      (r) => this.isDc && term === this.dcTerm && this.dc.onResult(node, key, r as LocalOpResult),
      (e: unknown) =>
        this.isDc &&
        term === this.dcTerm &&
        this.dc.onError(key, `${node}: ${(e as Error).message}`),
    );
  }

  /** Node side: runs an action from the DC, refusing one from an older term than seen. */
  private async onAction(
    m: Record<string, unknown>,
  ): Promise<Pick<LocalOpResult, 'rsc' | 'rec' | 'ok'>> {
    const term = Number(m.term);
    const action = actionFromMessage(m);
    if (ACTIVATING_TASKS.has(action.task)) await this.quorumOfMyOwn(action.task, action);
    const r = await this.lrm.execute(term, String(m.key), action);
    return { rsc: r.rsc, rec: r.rec, ok: r.ok };
  }

  /** Waits (bounded) until this node's own membership has quorum; refuses the action if not. */
  private async quorumOfMyOwn(task: string, a: { rsc?: string; primitive: { id: string } }) {
    const t0 = performance.now();
    while (!this.link.quorate) {
      if (this.closed || performance.now() - t0 > ACTION_QUORUM_WAIT_MS)
        throw new VigilError(
          'VGL_E_NO_QUORUM',
          `${this.self} has no quorum of its own (members: ${this.members().join(', ')}): it does not ${task} ${a.rsc ?? a.primitive.id}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    this.updateQuorum();
  }

  private reportMonitorFailure(r: LocalOpResult): void {
    this.log(`monitor of ${r.rsc} failed: rc=${r.rec.rc} ${r.rec.reason}`);
    if (this.isDc) {
      this.dc.onMonitorFailure(this.self, r.rsc, r.rec);
      return;
    }
    const dc = this.link.leader;
    if (dc === null) return; // the next DC re-learns the status
    this.link
      .request(dc, 'mon-fail', { rsc: r.rsc, rec: r.rec }, { timeoutMs: MONITOR_REPORT_TIMEOUT_MS })
      .catch((e: unknown) =>
        this.log(`could not report the failure of ${r.rsc} to ${dc}: ${(e as Error).message}`),
      );
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
      case 'cib-xml':
        // The CIB as Pacemaker would hold it: the configuration the scheduler reads and the
        // status section written from this node's copy of the cluster state.
        return { xml: writeCib(schedulerCib(this.cib, this.clusterView())) };
      case 'fence-history': {
        // The DC's fencer is the one that fences: a follower asks it.
        if (this.isDc || this.link.leader === null || this.link.leader === this.self)
          return this.fenceHistory();
        return this.link.request(this.link.leader, 'fence-history', {}, { timeoutMs: 5_000 });
      }
      case 'messaging':
        return this.link.status();
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

  /**
   * This node's fencing history (requests it ran as DC, with every agent run), oldest first, and
   * the cluster's as recorded in the replicated CIB (every DC's completed fencings, the last 64).
   */
  fenceHistory(): {
    node: string;
    dc: boolean;
    history: FenceOutcome[];
    recorded: readonly FenceRecord[];
  } {
    return {
      node: this.self,
      dc: this.isDc,
      history: this.fencer.history(),
      recorded: this.cib.status.fencing ?? [],
    };
  }

  statusInput() {
    return {
      cfg: this.cfg,
      self: this.self,
      cib: this.cib,
      members: this.members(),
      quorate: this.quorate,
      dc: this.isDc ? this.self : (this.link.leader ?? undefined),
      term: this.link.term,
      warnings:
        this.cfg.stonithEnabled && this.fencer.fencer.deviceIds.length === 0
          ? [
              ...this.warnings,
              'fencing is enabled but there is no fence device (neither in the cluster file nor a stonith resource in the CIB): the cluster starts nothing until one is configured',
            ]
          : this.warnings,
      transition: this.dc.current,
      localActive: this.lrm.activeResources(),
      fenceDevices: this.fencer.devices,
    };
  }
}

/** Same outcome, ignoring when it ran and how long it took. */
function sameOutcome(a: OpRecord, b: OpRecord): boolean {
  return a.op === b.op && a.rc === b.rc && a.active === b.active && a.failed === b.failed;
}

function sameOps(a: Readonly<Record<string, OpRecord>>, b: Readonly<Record<string, OpRecord>>) {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && sameOutcome(a[k]!, b[k]));
}

/** Passes the fence tag (which marks every process of this node for fence_vigil) to agents. */
function fenceTagEnv(): Record<string, string> {
  const tag = process.env.VIGIL_FENCE_TAG;
  return tag ? { VIGIL_FENCE_TAG: tag } : {};
}
