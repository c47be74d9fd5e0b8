import { SystemClock } from '@vigil/base/real';
import { VigilError, type Clock, type ProcessRunner, type TimerHandle } from '@vigil/base';
import { NodeProcessRunner } from './process/node-runner.js';
import { ensureHostDirs, type AgentHost } from './host.js';
import { parseAgentMetadata, type AgentMetadata } from './agents/metadata.js';
import { EXEC_RC, OCF_RC, isRunningRc, rcName } from './agents/rc.js';
import { formatAgentRef, parseAgentRef } from './agents/ref.js';
import {
  runAgentAction,
  type ActionResult,
  type OperationSpec,
  type ResourceSpec,
} from './agents/run-action.js';
import type { ClusterQueryPort } from './cluster/port.js';

/** Something the executor reports: every action's result, and cancelled recurring operations. */
export type ExecutorEvent =
  | {
      readonly kind: 'result';
      readonly result: ActionResult;
      /** From a recurring operation (monitor at an interval). */
      readonly recurring: boolean;
      /** For recurring operations: the rc differs from the previous run's (true on the first). */
      readonly changed: boolean;
    }
  | {
      readonly kind: 'cancelled';
      readonly resourceId: string;
      readonly action: string;
      readonly intervalMs: number;
    };

export interface ExecutorOptions {
  readonly host: AgentHost;
  readonly runner?: ProcessRunner;
  readonly clock?: Clock;
  /** Operations waiting per resource beyond the running one; more is VGL_E_LIMIT. */
  readonly maxQueuedPerResource?: number;
  /** Recurring operations in total; more is VGL_E_LIMIT. */
  readonly maxRecurring?: number;
  /** Where resource definitions and locations are recorded for `crm_resource` (optional). */
  readonly cluster?: ClusterQueryPort;
  /** Default timeout for meta-data, in ms. */
  readonly metadataTimeoutMs?: number;
  /**
   * Whether an agent's executable exists (default: the file is executable). The simulator passes
   * its runner's `isInstalled`, since simulated agents have no files.
   */
  readonly isInstalled?: (path: string) => boolean;
  /** Actions running at once across all resources; the rest wait their turn (default 32). */
  readonly maxConcurrentActions?: number;
  /** Create the host's state directories (default true; the simulator has none). */
  readonly createDirs?: boolean;
}

export const DEFAULT_MAX_QUEUED_PER_RESOURCE = 32;
export const DEFAULT_MAX_RECURRING = 10_000;
export const DEFAULT_MAX_CONCURRENT_ACTIONS = 32;
/** Cached meta-data entries; the cache is cleared when it grows past this. */
export const MAX_METADATA_CACHE = 1024;

interface Job {
  readonly res: ResourceSpec;
  readonly op: OperationSpec;
  readonly recurringKey?: string;
  readonly resolve: (r: ActionResult) => void;
  readonly reject: (e: unknown) => void;
}

interface ResourceLane {
  running: boolean;
  /** Listed in Executor.waiting for a free slot. */
  waiting: boolean;
  readonly queue: Job[];
  abort?: AbortController;
  /** The running job, for close() to wait on. */
  current?: Promise<ActionResult>;
}

interface Recurring {
  readonly res: ResourceSpec;
  readonly op: OperationSpec;
  timer?: TimerHandle;
  lastRc?: number;
  cancelled: boolean;
}

function recurringKey(resourceId: string, action: string, intervalMs: number): string {
  return `${resourceId}\u0000${action}\u0000${intervalMs}`;
}

/**
 * The local resource manager of one node.
 *
 * Contract:
 * - one operation per resource at a time; the rest wait in a bounded FIFO queue per resource;
 * - a recurring operation runs at once, then `intervalMs` after each completion, through the same
 *   queue; it reports its first result, every rc change and every failure (an rc other than
 *   SUCCESS, RUNNING_PROMOTED or DEGRADED*), and every result of a one-shot action;
 * - `cancel` stops a recurring operation; a run already in flight completes silently;
 * - meta-data is parsed and cached per agent;
 * - `close` cancels everything, kills running actions and rejects queued ones with VGL_E_CANCELLED.
 */
export class Executor {
  readonly host: AgentHost;
  private readonly runner: ProcessRunner;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly maxRecurring: number;
  private readonly cluster: ClusterQueryPort | undefined;
  private readonly metadataTimeoutMs: number;
  private readonly isInstalled: ((path: string) => boolean) | undefined;
  private readonly lanes = new Map<string, ResourceLane>();
  private readonly maxConcurrent: number;
  private active = 0;
  /** Resources with work waiting for a free slot, in arrival order. */
  private readonly waiting: string[] = [];
  private readonly recurring = new Map<string, Recurring>();
  private readonly listeners = new Set<(e: ExecutorEvent) => void>();
  private readonly metadataCache = new Map<string, Promise<AgentMetadata>>();
  private closed = false;

  constructor(o: ExecutorOptions) {
    this.host = o.host;
    this.runner = o.runner ?? new NodeProcessRunner();
    this.clock = o.clock ?? new SystemClock();
    this.maxQueued = o.maxQueuedPerResource ?? DEFAULT_MAX_QUEUED_PER_RESOURCE;
    this.maxRecurring = o.maxRecurring ?? DEFAULT_MAX_RECURRING;
    this.cluster = o.cluster;
    this.metadataTimeoutMs = o.metadataTimeoutMs ?? 30_000;
    this.isInstalled = o.isInstalled;
    this.maxConcurrent = o.maxConcurrentActions ?? DEFAULT_MAX_CONCURRENT_ACTIONS;
    if (o.createDirs ?? true) ensureHostDirs(this.host);
  }

  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(fn: (e: ExecutorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs one action, after the resource's earlier operations. */
  execute(res: ResourceSpec, op: OperationSpec): Promise<ActionResult> {
    return this.enqueue(res, op, undefined).then((r) => {
      this.emit({ kind: 'result', result: r, recurring: false, changed: true });
      return r;
    });
  }

  /** A probe: monitor with interval 0 ("is it running here?"). */
  probe(res: ResourceSpec, timeoutMs: number): Promise<ActionResult> {
    return this.execute(res, { action: 'monitor', intervalMs: 0, timeoutMs });
  }

  /** validate-all. */
  validate(res: ResourceSpec, timeoutMs: number): Promise<ActionResult> {
    return this.execute(res, { action: 'validate-all', timeoutMs });
  }

  /** Starts a recurring operation (usually monitor); `op.intervalMs` must be positive. */
  startRecurring(res: ResourceSpec, op: OperationSpec): void {
    this.assertOpen();
    const intervalMs = op.intervalMs ?? 0;
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `a recurring ${op.action} needs an interval > 0 ms`,
        {
          resource: res.id,
        },
      );
    }
    const key = recurringKey(res.id, op.action, intervalMs);
    if (this.recurring.has(key)) {
      throw new VigilError(
        'VGL_E_EXISTS',
        `${res.id} already has a recurring ${op.action} every ${intervalMs} ms`,
      );
    }
    if (this.recurring.size >= this.maxRecurring) {
      throw new VigilError('VGL_E_LIMIT', `more than ${this.maxRecurring} recurring operations`);
    }
    const rec: Recurring = { res, op, cancelled: false };
    this.recurring.set(key, rec);
    this.runRecurring(key, rec);
  }

  /** Cancels a recurring operation; false if there was none. */
  cancel(resourceId: string, action: string, intervalMs: number): boolean {
    const key = recurringKey(resourceId, action, intervalMs);
    const rec = this.recurring.get(key);
    if (!rec) return false;
    rec.cancelled = true;
    rec.timer?.cancel();
    this.recurring.delete(key);
    this.emit({ kind: 'cancelled', resourceId, action, intervalMs });
    return true;
  }

  /** Cancels every recurring operation of a resource (e.g. before stop); returns how many. */
  cancelAll(resourceId: string): number {
    let n = 0;
    for (const rec of [...this.recurring.values()]) {
      if (rec.res.id === resourceId) {
        this.cancel(resourceId, rec.op.action, rec.op.intervalMs ?? 0);
        n++;
      }
    }
    return n;
  }

  /** Parsed meta-data of an agent, cached. Fails with VGL_E_AGENT if the agent cannot give it. */
  metadata(agent: string): Promise<AgentMetadata> {
    const ref = parseAgentRef(agent);
    const key = formatAgentRef(ref);
    const hit = this.metadataCache.get(key);
    if (hit) return hit;
    if (this.metadataCache.size >= MAX_METADATA_CACHE) this.metadataCache.clear();
    const p = runAgentAction(
      this.runner,
      this.host,
      { id: ref.type, agent: ref },
      { action: 'meta-data', timeoutMs: this.metadataTimeoutMs },
      undefined,
      this.isInstalled,
    ).then((r) => {
      if (r.rc !== OCF_RC.SUCCESS) {
        throw new VigilError(
          r.rc === OCF_RC.ERR_INSTALLED ? 'VGL_E_NOT_FOUND' : 'VGL_E_AGENT',
          `${key} meta-data failed: ${r.rcName}${r.exitReason ? `: ${r.exitReason}` : ''}`,
          { agent: key, rc: r.rc },
        );
      }
      return parseAgentMetadata(r.stdout, `${key} meta-data`);
    });
    this.metadataCache.set(key, p);
    p.catch(() => this.metadataCache.delete(key));
    return p;
  }

  /** Counts for health output and benchmarks. */
  stats(): { resources: number; running: number; queued: number; recurring: number } {
    let running = 0;
    let queued = 0;
    for (const l of this.lanes.values()) {
      if (l.running) running++;
      queued += l.queue.length;
    }
    return { resources: this.lanes.size, running, queued, recurring: this.recurring.size };
  }

  /** Cancels all recurring operations, kills running actions, rejects queued ones. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const rec of [...this.recurring.values()]) {
      this.cancel(rec.res.id, rec.op.action, rec.op.intervalMs ?? 0);
    }
    const waits: Promise<void>[] = [];
    for (const lane of this.lanes.values()) {
      for (const j of lane.queue.splice(0)) {
        j.reject(new VigilError('VGL_E_CANCELLED', `${j.res.id} ${j.op.action}: executor closed`));
      }
      lane.abort?.abort();
      if (lane.current)
        waits.push(
          lane.current.then(
            () => undefined,
            () => undefined,
          ),
        );
    }
    await Promise.all(waits);
  }

  private assertOpen(): void {
    if (this.closed) throw new VigilError('VGL_E_CANCELLED', 'the executor is closed');
  }

  private emit(e: ExecutorEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure must not stop the executor
      }
    }
  }

  private runRecurring(key: string, rec: Recurring): void {
    if (rec.cancelled || this.closed) return;
    this.enqueue(rec.res, rec.op, key).then(
      (r) => {
        if (rec.cancelled) return;
        const changed = rec.lastRc !== r.rc;
        rec.lastRc = r.rc;
        if (changed || !isRunningRc(r.rc)) {
          this.emit({ kind: 'result', result: r, recurring: true, changed });
        }
        rec.timer = this.clock.setTimer(rec.op.intervalMs ?? 0, () => this.runRecurring(key, rec));
      },
      () => {
        // Queue full or closed: try again at the next interval unless cancelled.
        if (rec.cancelled || this.closed) return;
        rec.timer = this.clock.setTimer(rec.op.intervalMs ?? 0, () => this.runRecurring(key, rec));
      },
    );
  }

  private enqueue(
    res: ResourceSpec,
    op: OperationSpec,
    key: string | undefined,
  ): Promise<ActionResult> {
    if (this.closed) {
      return Promise.reject(
        new VigilError('VGL_E_CANCELLED', `${res.id} ${op.action}: executor closed`),
      );
    }
    let lane = this.lanes.get(res.id);
    if (!lane) {
      lane = { running: false, waiting: false, queue: [] };
      this.lanes.set(res.id, lane);
    }
    if (lane.queue.length >= this.maxQueued) {
      return Promise.reject(
        new VigilError('VGL_E_LIMIT', `${res.id}: more than ${this.maxQueued} operations queued`, {
          resource: res.id,
        }),
      );
    }
    const l = lane;
    return new Promise<ActionResult>((resolve, reject) => {
      l.queue.push({
        res,
        op,
        ...(key !== undefined ? { recurringKey: key } : {}),
        resolve,
        reject,
      });
      this.pump(res.id, l);
    });
  }

  private pump(id: string, lane: ResourceLane): void {
    if (lane.running) return;
    if (lane.queue.length === 0) {
      if (!lane.waiting) this.lanes.delete(id);
      return;
    }
    if (this.active >= this.maxConcurrent) {
      if (!lane.waiting) {
        lane.waiting = true;
        this.waiting.push(id);
      }
      return;
    }
    const job = lane.queue.shift()!;
    this.active++;
    lane.running = true;
    const ac = new AbortController();
    lane.abort = ac;
    const finish = (): void => {
      this.active--;
      lane.running = false;
      delete lane.abort;
      delete lane.current;
      this.pump(id, lane);
      while (this.active < this.maxConcurrent && this.waiting.length > 0) {
        const next = this.waiting.shift()!;
        const l = this.lanes.get(next);
        if (!l) continue;
        l.waiting = false;
        this.pump(next, l);
      }
    };
    const current = this.runJob(job, ac.signal);
    lane.current = current;
    void current.then(
      (r) => {
        finish();
        job.resolve(r);
      },
      (e: unknown) => {
        finish();
        job.reject(e);
      },
    );
  }

  private async runJob(job: Job, signal: AbortSignal): Promise<ActionResult> {
    if (job.recurringKey !== undefined && !this.recurring.has(job.recurringKey)) {
      return cancelledResult(job);
    }
    const c = this.cluster;
    if (c) {
      // Before the action: agents ask crm_resource about their own definition (PAF: notify).
      const agent =
        typeof job.res.agent === 'string'
          ? formatAgentRef(parseAgentRef(job.res.agent))
          : formatAgentRef(job.res.agent);
      await c.recordResource({
        id: job.res.id,
        agent,
        params: job.res.params ?? {},
        meta: job.res.meta ?? {},
      });
    }
    const r = await runAgentAction(
      this.runner,
      this.host,
      job.res,
      job.op,
      signal,
      this.isInstalled,
    );
    if (c) await this.record(job, r);
    return r;
  }

  /** Keeps the cluster port's view of this resource current, for crm_resource. */
  private async record(job: Job, r: ActionResult): Promise<void> {
    const c = this.cluster;
    if (!c) return;
    const action = job.op.action;
    let where: 'started' | 'promoted' | 'stopped' | undefined;
    if (r.rc === OCF_RC.SUCCESS && (action === 'start' || action === 'demote')) where = 'started';
    else if (r.rc === OCF_RC.SUCCESS && action === 'promote') where = 'promoted';
    else if (r.rc === OCF_RC.SUCCESS && action === 'stop') where = 'stopped';
    else if (action === 'monitor' && r.rc === OCF_RC.NOT_RUNNING) where = 'stopped';
    else if (action === 'monitor' && r.rc === OCF_RC.RUNNING_PROMOTED) where = 'promoted';
    if (where === undefined) return;
    await c.recordResource({
      id: job.res.id,
      agent: r.agent,
      params: job.res.params ?? {},
      meta: job.res.meta ?? {},
      state: where,
    });
  }
}

function cancelledResult(job: Job): ActionResult {
  return {
    resourceId: job.res.id,
    agent: typeof job.res.agent === 'string' ? job.res.agent : formatAgentRef(job.res.agent),
    action: job.op.action,
    intervalMs: job.op.intervalMs ?? 0,
    rc: EXEC_RC.CANCELLED,
    rcName: rcName(EXEC_RC.CANCELLED),
    rawExitCode: null,
    durationMs: 0,
    timedOut: false,
    stdout: '',
    stderr: '',
    outputTruncated: false,
  };
}
