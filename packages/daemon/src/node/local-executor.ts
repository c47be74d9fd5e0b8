import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError, type ProcessRunner } from '@vigil/base';
import {
  CRM_FEATURE_SET,
  EXEC_RC,
  Executor,
  OCF_RC,
  agentHostIn,
  isRunningRc,
  type ActionResult,
  type AgentHost,
  type ExecutorEvent,
  type ResourceSpec,
} from '@vigil/executor';
import type { OpRecord, PrimitiveDef } from '@vigil/controller';

/**
 * The node side of the controller: runs the DC's actions on this node with `@vigil/executor`'s
 * `Executor` (process groups, timeouts, bounded output, the OCF environment with CRM_meta_*),
 * keeps the last result per resource, runs recurring monitors and reports their failures.
 *
 * An action carries the fields of a transition-graph action (docs/graph-contract.md): the primitive's
 * definition, `task`, `intervalMs`, `role`, `timeoutMs` and extra `meta` (clone and notify
 * variables, without the `CRM_meta_` prefix).
 *
 * Contract:
 * - An action carrying a term older than the newest term this node has seen is refused
 *   (VGL_E_CONFLICT): a deposed DC cannot drive this node (the term is the fencing token).
 * - Operations on one resource run one at a time, in arrival order (the executor's lanes).
 * - A duplicate action (same key, e.g. a resent message) gets the first run's result.
 * - `monitor` with `intervalMs > 0` starts a recurring monitor and resolves with its first
 *   result; `stop` and `start` cancel the resource's recurring monitors first, `promote` and
 *   `demote` cancel those that check a role.
 * - A recurring monitor that stops finding the resource healthy reports once (on the change);
 *   the DC's recovery decides what happens next.
 * - A stop runs with the parameters of the resource's last other action on this node (when this
 *   process ran one), whatever the stop carries: the agent stops the instance it started.
 */
export interface LocalAction {
  /** The primitive's definition, as the CIB holds it. */
  readonly primitive: PrimitiveDef;
  /** Instance name (clone instance `db:1`); default: the primitive's id. */
  readonly rsc?: string;
  /** start stop monitor promote demote notify …; `probe` is an alias of monitor at interval 0. */
  readonly task: string;
  readonly intervalMs?: number;
  readonly role?: 'Promoted' | 'Unpromoted';
  readonly timeoutMs?: number;
  readonly meta?: Readonly<Record<string, string>>;
}

/** One operation's result, as recorded in the CIB status (lrm_rsc_op). */
export interface LocalOpResult {
  readonly node: string;
  /** Instance name. */
  readonly rsc: string;
  readonly primitive: string;
  readonly task: string;
  readonly intervalMs: number;
  /** OCF rc as the scheduler reads it (executor outcomes such as a timeout are 1). */
  readonly rc: number;
  /** The executor's rc name (`NOT_RUNNING`, `TIMEOUT`…). */
  readonly rcName: string;
  readonly opStatus: number;
  readonly exitReason: string;
  readonly callId: number;
  readonly opDigest: string;
  readonly featureSet: string;
  readonly startedWallMs: number;
  readonly execMs: number;
  readonly queueMs: number;
  /** Whether the operation did what was asked (a probe succeeds whatever it finds). */
  readonly ok: boolean;
  /** The record for vigild's CIB status section. */
  readonly rec: OpRecord;
}

export interface LocalExecutorOptions {
  readonly node: string;
  /** Per-node state: HA_VARRUN and the executor's files live under it. */
  readonly stateDir: string;
  readonly rscTmpDir: string;
  readonly ocfRoot: string;
  /** Where agents' crm_* commands reach this node's cluster port (see cluster-port.ts). */
  readonly clusterSocket?: string;
  readonly runner: ProcessRunner;
  readonly log: (line: string) => void;
  /** A recurring monitor found the resource not healthy. */
  readonly onMonitorFailure: (r: LocalOpResult) => void;
  readonly wallMs: () => number;
  /** Default operation timeout when an action carries none, ms. */
  readonly defaultTimeoutMs?: number;
}

/** Pacemaker's op-status values the daemon records. */
export const OP_STATUS = {
  DONE: 0,
  CANCELLED: 1,
  TIMEOUT: 2,
  ERROR: 4,
  NOT_INSTALLED: 7,
} as const;

const MAX_RESULT_CACHE = 512;
/** Tasks whose result says whether the resource is active afterwards. */
const STATEFUL_TASKS = new Set(['start', 'stop', 'promote', 'demote', 'monitor']);
const DEFAULT_TIMEOUT_MS = 20_000;

interface RecurringEntry {
  readonly action: LocalAction;
  readonly intervalMs: number;
  readonly role: LocalAction['role'];
  first?: { resolve: (r: LocalOpResult) => void; startedWallMs: number; t0: number };
}

export class LocalExecutor {
  readonly host: AgentHost;
  private readonly exec: Executor;
  private readonly last = new Map<string, OpRecord>();
  private readonly defs = new Map<string, PrimitiveDef>();
  /** rsc instance → the parameters of its last action other than a stop, cancel or delete. */
  private readonly ranWith = new Map<string, Readonly<Record<string, string>>>();
  private readonly results = new Map<string, Promise<LocalOpResult>>();
  /** rsc instance → interval → the recurring monitor. */
  private readonly recurring = new Map<string, Map<number, RecurringEntry>>();
  /** Order in which resources became active, to stop in reverse. */
  private readonly startOrder: string[] = [];
  private nextCallId = 1;
  private newest = 0;
  private closed = false;

  constructor(private readonly o: LocalExecutorOptions) {
    this.host = agentHostIn(o.stateDir, o.node, {
      ocfRoot: o.ocfRoot,
      rscTmpDir: o.rscTmpDir,
      ...(o.clusterSocket !== undefined ? { clusterSocket: o.clusterSocket } : {}),
    });
    this.exec = new Executor({ host: this.host, runner: o.runner });
    this.exec.onEvent((e) => this.onEvent(e));
  }

  /** The newest term seen: actions from older terms are refused. */
  get newestTerm(): number {
    return this.newest;
  }

  /** Notes a term seen elsewhere (election, replication). */
  observeTerm(term: number): void {
    this.newest = Math.max(this.newest, term);
  }

  /** Runs an action from the DC of `term`; duplicates (same key) get the first run's result. */
  execute(term: number, key: string, a: LocalAction): Promise<LocalOpResult> {
    if (term < this.newest)
      return Promise.reject(
        new VigilError(
          'VGL_E_CONFLICT',
          `action ${key} from term ${term} refused: this node has seen term ${this.newest}`,
          { term, newestTerm: this.newest },
        ),
      );
    this.newest = term;
    // Keys are unique within a DC's term; another DC may reuse one.
    const k = `${term}\u0000${key}`;
    const cached = this.results.get(k);
    if (cached) return cached;
    const p = this.run(a);
    this.results.set(k, p);
    if (this.results.size > MAX_RESULT_CACHE)
      this.results.delete(this.results.keys().next().value!);
    return p;
  }

  /** Last result per resource instance. */
  table(): Record<string, OpRecord> {
    return Object.fromEntries(this.last);
  }

  /**
   * Probes every given primitive this node has no record of, under its own name or as a clone
   * instance (`id:N`: a second probe under the bare name would report one more instance);
   * returns the whole table.
   */
  async refresh(
    defs: readonly PrimitiveDef[],
    timeoutMs: number,
  ): Promise<Record<string, OpRecord>> {
    const known = new Set([...this.last.keys()].map((k) => k.replace(/:\d+$/, '')));
    await Promise.all(
      defs
        .filter((d) => !known.has(d.id))
        .map((d) =>
          this.run({ primitive: d, task: 'monitor', intervalMs: 0, timeoutMs }).catch(
            (e: unknown) => this.log(`probe of ${d.id} failed: ${(e as Error).message}`),
          ),
        ),
    );
    return this.table();
  }

  activeResources(): string[] {
    return [...this.last].filter(([, r]) => r.active).map(([id]) => id);
  }

  /** Stops every active resource, newest first (quorum loss with no-quorum-policy=stop). */
  async stopAll(timeoutMs: number, why: string): Promise<void> {
    const active = new Set(this.activeResources());
    const order = [...this.startOrder].reverse().filter((id) => active.has(id));
    for (const id of active) if (!order.includes(id)) order.push(id);
    for (const id of order) {
      const def = this.defs.get(id);
      if (!def) continue;
      this.log(`stopping ${id}: ${why}`);
      await this.run({ primitive: def, rsc: id, task: 'stop', timeoutMs }).catch((e: unknown) =>
        this.log(`stop of ${id} failed: ${(e as Error).message}`),
      );
    }
  }

  /** Recurring monitors running, as `rsc@intervalMs`. */
  monitors(): string[] {
    const out: string[] = [];
    for (const [rsc, m] of this.recurring) for (const i of m.keys()) out.push(`${rsc}@${i}`);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.recurring.clear();
    await this.exec.close();
  }

  private log(line: string): void {
    this.o.log(line);
  }

  private spec(a: LocalAction, rsc: string): ResourceSpec {
    const p = a.primitive;
    const agent = p.class === 'ocf' ? `ocf:${p.provider}:${p.type}` : `${p.class}:${p.type}`;
    return { id: rsc, agent, params: p.params, meta: { ...p.meta, ...(a.meta ?? {}) } };
  }

  private async run(a: LocalAction): Promise<LocalOpResult> {
    if (this.closed) throw new VigilError('VGL_E_CANCELLED', 'the node is shutting down');
    const rsc = a.rsc ?? a.primitive.id;
    const task = a.task === 'probe' ? 'monitor' : a.task;
    const intervalMs = a.intervalMs ?? 0;
    const timeoutMs = a.timeoutMs ?? this.o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(intervalMs) || intervalMs < 0)
      throw new VigilError('VGL_E_INVALID_INPUT', `${rsc} ${task}: bad interval ${intervalMs}`);
    if (task === 'delete') return this.forgetOne(a, rsc);
    // A stop runs with the parameters the resource last ran with here, as Pacemaker's controller
    // does: the DC's definition may have changed since (a parameter edited, a date in a rule
    // passed, the primitive removed), and the agent must stop the instance it started.
    const ran = task === 'stop' ? this.ranWith.get(rsc) : undefined;
    if (ran !== undefined && ran !== a.primitive.params)
      a = { ...a, primitive: { ...a.primitive, params: ran } };
    else if (task !== 'stop' && task !== 'cancel') this.ranWith.set(rsc, a.primitive.params);
    this.defs.set(rsc, a.primitive);
    if (task === 'cancel') return this.cancelOne(a, rsc, intervalMs);
    if (task === 'start' || task === 'stop') this.cancelMonitors(rsc, () => true);
    else if (task === 'promote' || task === 'demote')
      this.cancelMonitors(rsc, (m) => m.role !== undefined);
    const res = this.spec(a, rsc);
    if (task === 'monitor' && intervalMs > 0) return this.startMonitor(a, rsc, res, intervalMs);
    const startedWallMs = this.o.wallMs();
    const t0 = performance.now();
    const r = await this.exec.execute(res, { action: task, intervalMs, timeoutMs });
    return this.record(a, rsc, r, startedWallMs, performance.now() - t0);
  }

  private startMonitor(
    a: LocalAction,
    rsc: string,
    res: ResourceSpec,
    intervalMs: number,
  ): Promise<LocalOpResult> {
    this.cancelMonitors(rsc, (m) => m.intervalMs === intervalMs);
    const timeoutMs = a.timeoutMs ?? this.o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<LocalOpResult>((resolve, reject) => {
      const entry: RecurringEntry = {
        action: a,
        intervalMs,
        role: a.role,
        first: { resolve, startedWallMs: this.o.wallMs(), t0: performance.now() },
      };
      const m = this.recurring.get(rsc) ?? new Map<number, RecurringEntry>();
      m.set(intervalMs, entry);
      this.recurring.set(rsc, m);
      try {
        this.exec.startRecurring(res, { action: 'monitor', intervalMs, timeoutMs });
      } catch (e) {
        m.delete(intervalMs);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /**
   * `delete` (the scheduler's, for a resource no longer configured, after its stop): this node
   * forgets it (last result, definition, recurring monitors); runs no agent, always succeeds.
   */
  private forgetOne(a: LocalAction, rsc: string): LocalOpResult {
    this.cancelMonitors(rsc, () => true);
    this.last.delete(rsc);
    this.defs.delete(rsc);
    this.ranWith.delete(rsc);
    const i = this.startOrder.indexOf(rsc);
    if (i >= 0) this.startOrder.splice(i, 1);
    const callId = this.nextCallId++;
    const wallMs = this.o.wallMs();
    const rec: OpRecord = {
      op: 'delete',
      rc: OCF_RC.SUCCESS,
      active: false,
      failed: false,
      wallMs,
      durationMs: 0,
      reason: '',
      task: 'delete',
      intervalMs: 0,
      callId,
      opStatus: OP_STATUS.DONE,
      queueMs: 0,
    };
    this.log(`forget ${rsc}: no longer configured`);
    return {
      node: this.o.node,
      rsc,
      primitive: a.primitive.id,
      task: 'delete',
      intervalMs: 0,
      rc: OCF_RC.SUCCESS,
      rcName: 'SUCCESS',
      opStatus: OP_STATUS.DONE,
      exitReason: '',
      callId,
      opDigest: '',
      featureSet: CRM_FEATURE_SET,
      startedWallMs: wallMs,
      execMs: 0,
      queueMs: 0,
      ok: true,
      rec,
    };
  }

  /** `cancel`: stops the recurring monitor at `intervalMs`; runs nothing, always succeeds. */
  private cancelOne(a: LocalAction, rsc: string, intervalMs: number): LocalOpResult {
    const had = this.recurring.get(rsc)?.has(intervalMs) === true;
    this.cancelMonitors(rsc, (m) => m.intervalMs === intervalMs);
    const prev = this.last.get(rsc);
    const callId = this.nextCallId++;
    const opDigest = paramsDigest(a.primitive.params);
    const wallMs = this.o.wallMs();
    const rec: OpRecord = {
      op: `cancel_${intervalMs}`,
      rc: OCF_RC.SUCCESS,
      active: prev?.active ?? false,
      failed: false,
      wallMs,
      durationMs: 0,
      reason: '',
      task: 'cancel',
      intervalMs,
      callId,
      opStatus: OP_STATUS.DONE,
      opDigest,
      queueMs: 0,
    };
    this.log(`cancel ${rsc} monitor every ${intervalMs} ms${had ? '' : ' (none was running)'}`);
    return {
      node: this.o.node,
      rsc,
      primitive: a.primitive.id,
      task: 'cancel',
      intervalMs,
      rc: OCF_RC.SUCCESS,
      rcName: 'SUCCESS',
      opStatus: OP_STATUS.DONE,
      exitReason: '',
      callId,
      opDigest,
      featureSet: CRM_FEATURE_SET,
      startedWallMs: wallMs,
      execMs: 0,
      queueMs: 0,
      ok: true,
      rec,
    };
  }

  private cancelMonitors(rsc: string, which: (m: RecurringEntry) => boolean): void {
    const m = this.recurring.get(rsc);
    if (!m) return;
    for (const [interval, entry] of [...m]) {
      if (!which(entry)) continue;
      m.delete(interval);
      this.exec.cancel(rsc, 'monitor', interval);
      // A monitor cancelled before its first result answers the DC as cancelled.
      if (entry.first)
        entry.first.resolve(
          this.result(entry.action, rsc, cancelledResult(rsc, interval), entry.first.startedWallMs),
        );
    }
    if (m.size === 0) this.recurring.delete(rsc);
  }

  private onEvent(e: ExecutorEvent): void {
    if (e.kind !== 'result' || !e.recurring || this.closed) return;
    const r = e.result;
    const entry = this.recurring.get(r.resourceId)?.get(r.intervalMs);
    if (!entry) return;
    const first = entry.first;
    if (first) {
      delete entry.first;
      const res = this.record(
        entry.action,
        r.resourceId,
        r,
        first.startedWallMs,
        performance.now() - first.t0,
      );
      first.resolve(res);
      if (!res.ok) this.cancelMonitors(r.resourceId, (m) => m === entry);
      return;
    }
    if (!e.changed) return; // still failing: reported already
    const res = this.record(entry.action, r.resourceId, r, this.o.wallMs() - r.durationMs, 0);
    if (!res.ok) {
      // Reported once; the DC decides (usually stop, which cancels it, and start again).
      this.log(`monitor of ${r.resourceId} every ${r.intervalMs} ms: ${res.rec.reason}`);
      this.o.onMonitorFailure(res);
    }
  }

  private record(
    a: LocalAction,
    rsc: string,
    r: ActionResult,
    startedWallMs: number,
    elapsedMs: number,
  ): LocalOpResult {
    const res = this.result(a, rsc, r, startedWallMs, elapsedMs);
    if (r.rc !== EXEC_RC.CANCELLED) {
      const prev = this.last.get(rsc);
      // notify, validate-all and the like do not change whether it is active.
      const rec = STATEFUL_TASKS.has(res.task)
        ? res.rec
        : { ...res.rec, active: prev?.active ?? false };
      this.last.set(rsc, rec);
      if (res.task === 'start' && res.ok) {
        const i = this.startOrder.indexOf(rsc);
        if (i >= 0) this.startOrder.splice(i, 1);
        this.startOrder.push(rsc);
      }
    }
    this.log(
      `${res.rec.op} ${rsc}: rc=${r.rc} (${r.rcName})${res.exitReason ? ` ${res.exitReason}` : ''} in ${res.execMs} ms [call ${res.callId}]`,
    );
    return res;
  }

  private result(
    a: LocalAction,
    rsc: string,
    r: ActionResult,
    startedWallMs: number,
    elapsedMs = r.durationMs,
  ): LocalOpResult {
    const task = a.task === 'probe' ? 'monitor' : a.task;
    const intervalMs = r.intervalMs;
    const probe = task === 'monitor' && intervalMs === 0;
    const rc = r.rc >= 1000 ? OCF_RC.ERR_GENERIC : r.rc;
    const opStatus =
      r.rc === EXEC_RC.TIMEOUT
        ? OP_STATUS.TIMEOUT
        : r.rc === EXEC_RC.CANCELLED
          ? OP_STATUS.CANCELLED
          : r.rc >= 1000
            ? OP_STATUS.ERROR
            : r.rc === OCF_RC.ERR_INSTALLED && !probe
              ? OP_STATUS.NOT_INSTALLED
              : OP_STATUS.DONE;
    const expectPromoted = a.role === 'Promoted';
    let ok: boolean;
    let active: boolean;
    switch (task) {
      case 'stop':
        ok = r.rc === OCF_RC.SUCCESS;
        active = !ok;
        break;
      case 'start':
      case 'promote':
      case 'demote':
        ok = r.rc === OCF_RC.SUCCESS;
        active = true; // a failed start may have left something behind: it must be stopped
        break;
      case 'monitor':
        if (probe) {
          // Not installed here (rc 5) means it cannot be running here.
          ok = r.rc === OCF_RC.NOT_RUNNING || r.rc === OCF_RC.ERR_INSTALLED || isRunningRc(r.rc);
          active = r.rc !== OCF_RC.NOT_RUNNING && r.rc !== OCF_RC.ERR_INSTALLED;
        } else {
          const promoted = r.rc === OCF_RC.RUNNING_PROMOTED || r.rc === OCF_RC.DEGRADED_PROMOTED;
          ok = isRunningRc(r.rc) && (a.role === undefined || promoted === expectPromoted);
          active = r.rc !== OCF_RC.NOT_RUNNING;
        }
        break;
      default:
        ok = r.rc === OCF_RC.SUCCESS;
        active = true;
    }
    const reason = ok
      ? ''
      : (r.exitReason ?? lastLine(r.stderr) ?? '') || `${task} returned ${r.rcName} (rc=${r.rc})`;
    const callId = this.nextCallId++;
    const opDigest = opDigestOf(
      a.primitive.params,
      intervalMs,
      a.timeoutMs ?? this.o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const execMs = Math.round(r.durationMs);
    const rec: OpRecord = {
      op: probe ? 'probe' : task === 'monitor' ? `monitor_${intervalMs}` : task,
      rc,
      active,
      failed: !ok,
      wallMs: startedWallMs,
      durationMs: execMs,
      reason,
      task,
      intervalMs,
      callId,
      opStatus,
      opDigest,
      queueMs: Math.max(0, Math.round(elapsedMs - r.durationMs)),
    };
    return {
      node: this.o.node,
      rsc,
      primitive: a.primitive.id,
      task,
      intervalMs,
      rc,
      rcName: r.rcName,
      opStatus,
      exitReason: reason,
      callId,
      opDigest,
      featureSet: CRM_FEATURE_SET,
      startedWallMs,
      execMs,
      queueMs: rec.queueMs ?? 0,
      ok,
      rec,
    };
  }
}

function lastLine(s: string): string | undefined {
  const l = s.trim().split('\n').pop()?.trim();
  return l ? l.slice(0, 200) : undefined;
}

function cancelledResult(rsc: string, intervalMs: number): ActionResult {
  return {
    resourceId: rsc,
    agent: '',
    action: 'monitor',
    intervalMs,
    rc: EXEC_RC.CANCELLED,
    rcName: 'CANCELLED',
    rawExitCode: null,
    exitReason: 'cancelled before its first result',
    durationMs: 0,
    timedOut: false,
    stdout: '',
    stderr: '',
    outputTruncated: false,
  };
}

function escapeAttr(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * The op-digest of one operation as Pacemaker records it (so that `crm_simulate` reading
 * `vigil cib query` sees nothing changed): a recurring operation's digest covers its timeout,
 * as `CRM_meta_timeout` in ms, with the parameters; any other operation's, the parameters alone.
 */
export function opDigestOf(
  params: Readonly<Record<string, string>>,
  intervalMs: number,
  timeoutMs: number,
): string {
  return intervalMs > 0
    ? paramsDigest({ ...params, CRM_meta_timeout: String(timeoutMs) })
    : paramsDigest(params);
}

/**
 * The op-digest Pacemaker records: MD5 of the parameters as one `<parameters …/>` element, names
 * sorted (the same text `@vigil/scheduler` compares against).
 */
export function paramsDigest(params: Readonly<Record<string, string>>): string {
  const body = Object.keys(params)
    .sort()
    .map((k) => `${k}="${escapeAttr(params[k]!)}"`)
    .join(' ');
  return createHash('md5')
    .update(body === '' ? ' <parameters/>\n' : ` <parameters ${body}/>\n`)
    .digest('hex');
}

/**
 * The OCF root a node's agents see: `systemRoot` (usually /usr/lib/ocf) with the agents of
 * `extraDirs` (each holding `PROVIDER/TYPE`, VIGIL_OCF_PATH) laid over it, built under `dir` from
 * symbolic links. Agents find each other and `lib/heartbeat/ocf-shellfuncs` through OCF_ROOT as
 * usual. Without extra directories it is `systemRoot` itself. An extra agent hides a system agent
 * of the same provider and type.
 */
export function prepareOcfRoot(
  dir: string,
  systemRoot: string,
  extraDirs: readonly string[],
): string {
  if (extraDirs.length === 0) return systemRoot;
  rmSync(dir, { recursive: true, force: true });
  const rd = join(dir, 'resource.d');
  mkdirSync(rd, { recursive: true });
  if (existsSync(join(systemRoot, 'lib'))) symlinkSync(join(systemRoot, 'lib'), join(dir, 'lib'));
  // provider → agent name → file, first source wins (extra dirs first, then the system's).
  const providers = new Map<string, Map<string, string>>();
  for (const src of [...extraDirs, join(systemRoot, 'resource.d')]) {
    for (const p of listDir(src)) {
      const agents = providers.get(p) ?? new Map<string, string>();
      providers.set(p, agents);
      for (const a of listDir(join(src, p))) if (!agents.has(a)) agents.set(a, join(src, p, a));
    }
  }
  for (const [p, agents] of providers) {
    mkdirSync(join(rd, p), { recursive: true });
    for (const [a, file] of agents) symlinkSync(file, join(rd, p, a));
  }
  return dir;
}

function listDir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
