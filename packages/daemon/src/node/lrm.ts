import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS, VigilError, type ProcessRunner } from '@vigil/base';
import type { OpRecord, PrimitiveDef } from '@vigil/controller';

/**
 * The node side: runs resource agents for this node (interim local executor, until
 * `@vigil/executor` publishes its OCF/LSB executor), keeps the last result per resource, runs
 * recurring monitors and reports their failures.
 *
 * Contract:
 * - Operations on one resource run one at a time, in arrival order.
 * - An action carrying a term older than the newest term this node has seen is refused
 *   (VGL_E_CONFLICT): a deposed DC cannot drive this node.
 * - A recurring monitor that finds the resource not running or failed reports once and stops;
 *   the DC's recovery decides what happens next.
 */
export interface LrmOp {
  /** Other values are passed to the agent as its action (promote, demote, notify…). */
  readonly op: 'start' | 'stop' | 'monitor' | 'probe' | 'cancel' | (string & {});
  readonly def: PrimitiveDef;
  readonly intervalMs?: number;
  readonly timeoutMs: number;
  /** Extra `CRM_meta_*` values from the graph (clone and notify variables), without the prefix. */
  readonly meta?: Readonly<Record<string, string>>;
}

export interface LrmResult {
  readonly rsc: string;
  readonly rec: OpRecord;
  /** Whether the operation did what was asked (a probe succeeds whatever it finds). */
  readonly ok: boolean;
}

export interface LrmOptions {
  readonly node: string;
  readonly runner: ProcessRunner;
  readonly rscTmp: string;
  readonly ocfRoot: string;
  /** Extra directories holding `PROVIDER/TYPE` OCF agents, searched first. */
  readonly extraOcfDirs: readonly string[];
  readonly log: (line: string) => void;
  /** A recurring monitor found a problem. */
  readonly onMonitorFailure: (r: LrmResult) => void;
  readonly wallMs: () => number;
}

const OCF_SUCCESS = 0;
const OCF_NOT_RUNNING = 7;
const MAX_RESULT_CACHE = 512;

export class Lrm {
  private readonly last = new Map<string, OpRecord>();
  private readonly defs = new Map<string, PrimitiveDef>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly monitors = new Map<string, { timer: NodeJS.Timeout; intervalMs: number }>();
  private readonly results = new Map<string, Promise<LrmResult>>();
  /** Order in which resources became active, to stop in reverse. */
  private readonly startOrder: string[] = [];
  newestTerm = 0;
  private closed = false;

  constructor(private readonly o: LrmOptions) {}

  /** Runs an action from the DC; duplicates (same key) get the first run's result. */
  execute(term: number, key: string, op: LrmOp): Promise<LrmResult> {
    if (term < this.newestTerm)
      return Promise.reject(
        new VigilError(
          'VGL_E_CONFLICT',
          `action from term ${term} refused: this node has seen term ${this.newestTerm}`,
        ),
      );
    this.newestTerm = Math.max(this.newestTerm, term);
    const cached = this.results.get(key);
    if (cached) return cached;
    const p = this.enqueue(op.def.id, () => this.run(op));
    this.results.set(key, p);
    if (this.results.size > MAX_RESULT_CACHE)
      this.results.delete(this.results.keys().next().value!);
    return p;
  }

  table(): Record<string, OpRecord> {
    return Object.fromEntries(this.last);
  }

  /** Probes every given primitive this node has no record of; returns the whole table. */
  async refresh(
    defs: readonly PrimitiveDef[],
    timeoutMs: number,
  ): Promise<Record<string, OpRecord>> {
    await Promise.all(
      defs
        .filter((d) => !this.last.has(d.id))
        .map((d) => this.enqueue(d.id, () => this.run({ op: 'probe', def: d, timeoutMs }))),
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
      this.o.log(`stopping ${id}: ${why}`);
      await this.enqueue(id, () => this.run({ op: 'stop', def, timeoutMs }));
    }
  }

  close(): void {
    this.closed = true;
    for (const m of this.monitors.values()) clearTimeout(m.timer);
    this.monitors.clear();
  }

  private enqueue<T>(rsc: string, f: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(rsc) ?? Promise.resolve();
    const next = prev.then(f, f);
    this.queues.set(
      rsc,
      next.catch(() => undefined),
    );
    return next;
  }

  private async run(op: LrmOp): Promise<LrmResult> {
    const def = op.def;
    this.defs.set(def.id, def);
    if (op.op === 'cancel') {
      // Cancelling a recurring monitor runs nothing.
      this.cancelMonitor(def.id);
      const was = this.last.get(def.id);
      const rec: OpRecord = {
        op: `cancel_${op.intervalMs ?? 0}`,
        rc: 0,
        active: was?.active ?? false,
        failed: false,
        wallMs: this.o.wallMs(),
        durationMs: 0,
        reason: '',
      };
      return { rsc: def.id, rec, ok: true };
    }
    if (op.op === 'stop' || op.op === 'start') this.cancelMonitor(def.id);
    const action = op.op === 'probe' ? 'monitor' : op.op;
    const t0 = performance.now();
    let rc: number;
    let reason = '';
    try {
      const r = await this.o.runner.run({
        command: this.agentPath(def),
        args: def.class === 'ocf' ? [action] : [action === 'monitor' ? 'status' : action],
        env: this.env(def, op),
        timeoutMs: op.timeoutMs,
        maxOutputBytes: LIMITS.maxAgentOutputBytes,
      });
      if (r.timedOut) {
        rc = 1;
        reason = `timed out after ${op.timeoutMs} ms`;
      } else {
        rc = r.exitCode ?? 1;
        reason = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
      }
    } catch (e) {
      rc = 5; // OCF_ERR_INSTALLED
      reason = (e as Error).message;
    }
    if (def.class === 'lsb' && action === 'monitor' && rc === 3) rc = OCF_NOT_RUNNING;
    const durationMs = performance.now() - t0;
    let active: boolean;
    let failed: boolean;
    let ok: boolean;
    if (op.op === 'stop') {
      ok = rc === OCF_SUCCESS;
      active = !ok;
      failed = !ok;
    } else if (op.op === 'start') {
      ok = rc === OCF_SUCCESS;
      active = true; // a failed start may have left something behind: it must be stopped
      failed = !ok;
    } else if (op.op === 'probe') {
      // Not installed here (rc 5) means it cannot be running here.
      ok = rc === OCF_SUCCESS || rc === OCF_NOT_RUNNING || rc === 5;
      active = rc !== OCF_NOT_RUNNING && rc !== 5;
      failed = !ok;
    } else {
      ok = rc === OCF_SUCCESS;
      active = rc !== OCF_NOT_RUNNING;
      failed = !ok;
    }
    const rec: OpRecord = {
      op: op.op === 'monitor' && op.intervalMs ? `monitor_${op.intervalMs}` : op.op,
      rc,
      active,
      failed,
      wallMs: this.o.wallMs(),
      durationMs: Math.round(durationMs),
      reason: ok ? '' : reason || `${action} returned rc=${rc}`,
    };
    this.last.set(def.id, rec);
    if (op.op === 'start' && ok) {
      const i = this.startOrder.indexOf(def.id);
      if (i >= 0) this.startOrder.splice(i, 1);
      this.startOrder.push(def.id);
    }
    this.o.log(
      `${op.op} ${def.id}: rc=${rc}${rec.reason ? ` (${rec.reason})` : ''} in ${rec.durationMs} ms`,
    );
    if (op.op === 'monitor' && op.intervalMs && ok && !this.closed)
      this.scheduleMonitor(def, op.intervalMs, op.timeoutMs);
    return { rsc: def.id, rec, ok };
  }

  private scheduleMonitor(def: PrimitiveDef, intervalMs: number, timeoutMs: number): void {
    this.cancelMonitor(def.id);
    const timer = setTimeout(() => {
      this.monitors.delete(def.id);
      void this.enqueue(def.id, async () => {
        if (this.closed || this.last.get(def.id)?.active !== true) return;
        const r = await this.run({ op: 'monitor', def, intervalMs, timeoutMs });
        if (!r.ok) this.o.onMonitorFailure(r);
      });
    }, intervalMs);
    this.monitors.set(def.id, { timer, intervalMs });
  }

  private cancelMonitor(id: string): void {
    const m = this.monitors.get(id);
    if (m) clearTimeout(m.timer);
    this.monitors.delete(id);
  }

  private agentPath(def: PrimitiveDef): string {
    if (def.class === 'ocf') {
      for (const d of this.o.extraOcfDirs) {
        const p = join(d, def.provider, def.type);
        if (existsSync(p)) return p;
      }
      return join(this.o.ocfRoot, 'resource.d', def.provider, def.type);
    }
    if (def.class === 'lsb') return join('/etc/init.d', def.type);
    throw new VigilError(
      'VGL_E_UNSUPPORTED',
      `class ${def.class} is not supported by vigild's interim executor`,
    );
  }

  private env(def: PrimitiveDef, op: LrmOp): Record<string, string> {
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      OCF_ROOT: this.o.ocfRoot,
      OCF_FUNCTIONS_DIR: join(this.o.ocfRoot, 'lib', 'heartbeat'),
      OCF_RA_VERSION_MAJOR: '1',
      OCF_RA_VERSION_MINOR: '1',
      OCF_RESOURCE_INSTANCE: def.id,
      OCF_RESOURCE_TYPE: def.type,
      OCF_RESOURCE_PROVIDER: def.provider,
      HA_RSCTMP: this.o.rscTmp,
      HA_LOGFACILITY: 'none',
      HA_debug: '0',
      OCF_RESKEY_CRM_meta_timeout: String(op.timeoutMs),
      OCF_RESKEY_CRM_meta_interval: String(op.intervalMs ?? 0),
      OCF_RESKEY_CRM_meta_on_node: this.o.node,
      OCF_RESKEY_CRM_meta_on_node_uuid: this.o.node,
    };
    for (const [k, v] of Object.entries(def.params)) env[`OCF_RESKEY_${k}`] = v;
    for (const [k, v] of Object.entries(op.meta ?? {}))
      if (/^[A-Za-z0-9_-]+$/.test(k)) env[`OCF_RESKEY_CRM_meta_${k.replaceAll('-', '_')}`] = v;
    return env;
  }
}
