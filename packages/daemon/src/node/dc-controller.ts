import {
  countsAgainstThreshold,
  DC_TASKS,
  TransitionRun,
  explainResource,
  planTransition,
  recheckIntervalMs,
  targetRc,
  type Cib,
  type CibEntry,
  type ClusterView,
  type LiveExplanation,
  type OpRecord,
  type PlannedAction,
} from '@vigil/controller';

/**
 * The DC's controller (the shell around `@vigil/controller`'s pure planner and graph runner): it
 * runs the scheduler on each relevant change (debounced: one run at most `debounceMs` after the
 * first trigger, whatever follows), executes the graph in dependency order across nodes (pseudo
 * actions complete at once, stonith goes to the fencer, resource actions to the node's executor
 * carrying the term), records every result in the CIB's status section, and on anything new aborts
 * the transition (in-flight actions finish and are recorded) and schedules again. A quiet cluster
 * is scheduled again `cluster-recheck-interval` after the last run (default 15 min), so rules on
 * dates take effect without another trigger.
 */
export interface ActionResult {
  readonly rsc: string;
  readonly rec: OpRecord;
  readonly ok: boolean;
}

export interface FenceResult {
  readonly ok: boolean;
  readonly detail: string;
}

export interface DcHost {
  readonly self: string;
  readonly debounceMs: number;
  term(): number;
  /** This node is the DC and has re-learnt the cluster's status. */
  canSchedule(): boolean;
  /** Status writes of this DC are still on their way into the CIB: schedule once they land. */
  writesPending(): boolean;
  cib(): Cib;
  view(): ClusterView;
  /** Applies a status entry to the replicated CIB. */
  apply(e: CibEntry): void;
  /**
   * Sends an action to a node's executor (this node included), reliably; the answer comes to
   * `onResult`, or `onError` when the node could not run it or did not answer in time.
   */
  send(node: string, key: string, a: PlannedAction): void;
  /** Fences `target`; `why` is the scheduler's reason (recorded with the result). */
  fence(target: string, why: string): Promise<FenceResult>;
  log(line: string): void;
  wallMs(): number;
  monoMs(): number;
}

export interface TransitionSummary {
  readonly id: number;
  readonly outcome: string;
  readonly actions: number;
  readonly reason: string | undefined;
}

/** Bound on the controller's log of triggers and decisions kept in memory. */
const MAX_LOG_LINES = 200;

export class DcController {
  private run: TransitionRun<PlannedAction> | undefined;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** `cluster-recheck-interval` after the last scheduler run: schedule again (time-based rules). */
  private recheck: NodeJS.Timeout | undefined;
  private afterWrites = false;
  private readonly fencing = new Set<string>();
  last: TransitionSummary | undefined;
  readonly decisions: string[] = [];

  constructor(private readonly h: DcHost) {}

  /** The running transition, for `vigil status`. */
  get current(): TransitionSummary | undefined {
    if (!this.run) return this.last;
    return {
      id: this.run.graph.id,
      outcome: 'running',
      actions: this.run.graph.actions.length,
      reason: undefined,
    };
  }

  /** Something relevant changed: abort the running transition and schedule again soon. */
  request(why: string): void {
    if (!this.h.canSchedule() && !this.run) {
      this.note(`trigger (not scheduling yet): ${why}`);
      return;
    }
    this.note(`trigger: ${why}`);
    if (this.run && this.run.outcome === 'running') this.run.abort(why);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, this.h.debounceMs);
  }

  /** This node stopped being DC: forget the transition; results still arriving are ignored. */
  stop(reason: string): void {
    this.run?.abort(reason);
    this.run = undefined;
    this.afterWrites = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.recheck);
    this.recheck = undefined;
  }

  /** Arms the recheck for `cluster-recheck-interval` from now (0: none). */
  private armRecheck(): void {
    clearTimeout(this.recheck);
    this.recheck = undefined;
    const ms = recheckIntervalMs(this.h.cib().config);
    if (ms <= 0) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.h.log(`cluster-recheck-interval (${ms} ms) passed: scheduling again`);
      this.request('cluster-recheck-interval');
    }, ms);
    this.recheck.unref();
  }

  /** This DC's status writes are all in the CIB: a schedule that waited for them runs now. */
  writesSettled(): void {
    if (!this.afterWrites) return;
    this.afterWrites = false;
    this.schedule();
  }

  /** Periodic: action deadlines. */
  tick(): void {
    const run = this.run;
    if (!run) return;
    run.tick(this.h.monoMs());
    this.pump();
  }

  /** A node was lost: its in-flight actions will never report. */
  nodeLost(node: string): void {
    this.run?.nodeLost(node);
  }

  explain(rsc: string): LiveExplanation | undefined {
    return explainResource(this.h.cib(), this.h.view(), Math.floor(this.h.wallMs() / 1000), rsc);
  }

  private note(line: string): void {
    this.decisions.push(line);
    if (this.decisions.length > MAX_LOG_LINES) this.decisions.splice(0, MAX_LOG_LINES / 2);
  }

  private schedule(): void {
    if (!this.h.canSchedule()) return;
    if (this.run && this.run.outcome === 'running') return; // pump() schedules when it ends
    if (this.h.writesPending()) {
      // Schedule on a CIB that holds every result this DC has recorded.
      this.afterWrites = true;
      return;
    }
    const plan = planTransition(
      this.h.cib(),
      this.h.view(),
      Math.floor(this.h.wallMs() / 1000),
      ++this.seq,
    );
    this.armRecheck();
    const run = new TransitionRun(plan.graph);
    if (!run.hasWork) {
      if (plan.lines.length > 0)
        this.h.log(`transition ${plan.graph.id}: nothing can run (${plan.lines.join('; ')})`);
      this.run = undefined;
      return;
    }
    this.h.log(`transition ${plan.graph.id}: ${plan.graph.actions.length} actions`);
    for (const l of plan.lines) {
      this.h.log(`  ${l}`);
      this.note(`transition ${plan.graph.id}: ${l}`);
    }
    this.run = run;
    this.pump();
  }

  private key(run: TransitionRun<PlannedAction>, a: PlannedAction): string {
    // Pacemaker's transition key: ACTION:TRANSITION:TARGET_RC:DC (the DC named by its term).
    const target = targetRc(a.task, a.intervalMs ?? 0, a.role);
    return `${a.id}:${run.graph.id}:${target}:${this.h.self}-${this.h.term()}`;
  }

  /** Dispatches what is ready; when the transition ends, schedules again. */
  private pump(): void {
    const run = this.run;
    if (!run) return;
    for (const a of run.dispatchable(this.h.monoMs())) this.dispatch(run, a);
    if (run.outcome === 'running') return;
    this.last = {
      id: run.graph.id,
      outcome: run.outcome,
      actions: run.graph.actions.length,
      reason: run.reason,
    };
    const blocked = run.blocked > 0 ? ` (${run.blocked} blocked)` : '';
    this.h.log(
      `transition ${run.graph.id} ${run.outcome}${blocked}${run.reason ? `: ${run.reason}` : ''}`,
    );
    this.run = undefined;
    this.request(`transition ${run.graph.id} ${run.outcome}`);
  }

  private dispatch(run: TransitionRun<PlannedAction>, a: PlannedAction): void {
    if (a.task === 'stonith') {
      void this.doFence(run, a);
      return;
    }
    if (DC_TASKS.has(a.task)) {
      if (a.task === 'clear_failcount' && a.rsc !== undefined && a.node !== undefined)
        this.h.apply({ op: 'failcount-clear', rsc: a.rsc, node: a.node });
      this.h.log(`${a.key}: done by the DC (${a.reason})`);
      run.complete(a.id, true);
      queueMicrotask(() => this.pump());
      return;
    }
    this.h.send(a.node!, this.key(run, a), a);
  }

  private async doFence(run: TransitionRun<PlannedAction>, a: PlannedAction): Promise<void> {
    const target = a.node!;
    if (this.fencing.has(target)) return;
    this.fencing.add(target);
    this.h.log(`fencing ${target}: ${a.reason}`);
    try {
      const r = await this.h.fence(target, a.reason);
      if (this.run !== run && !r.ok) return;
      if (r.ok) {
        this.h.log(`fenced ${target}`);
        this.h.apply({ op: 'node-state', node: target, state: 'fenced', fenced: true });
      } else this.h.log(`fencing ${target} FAILED: ${r.detail}`);
      if (this.run === run) {
        run.complete(a.id, r.ok, r.ok ? '' : 'fencing failed');
        this.pump();
      }
    } finally {
      this.fencing.delete(target);
    }
  }

  /** A node's answer to `send`: `key` is the transition key the action carried. */
  onResult(node: string, key: string, r: ActionResult): void {
    const [aid, tid] = key.split(':').map(Number) as [number, number];
    const run = this.run;
    const current = run !== undefined && run.graph.id === tid;
    if (current && run.stateOf(aid) !== 'in-flight') return; // duplicate
    const op = r.rec.op;
    // A recurring monitor cancelled before its first result (a stop came first) is no failure.
    const cancelled = r.rec.opStatus === 1;
    const ok = r.ok || cancelled;
    this.h.apply({
      op: 'op-result',
      node,
      rsc: r.rsc,
      rec: r.rec,
      // Failed promotes, demotes and the like count too, as in Pacemaker: migration-threshold
      // then moves an instance whose agent keeps failing instead of retrying it forever.
      countFailure: !ok && countsAgainstThreshold(op),
      transitionKey: key,
    });
    if (current) {
      run.complete(aid, ok, r.rec.reason);
      this.pump();
    } else if (!ok) this.request(`late failure of ${r.rsc} on ${node}`);
  }

  /** The node could not run the action at all (refused, unknown agent class…). */
  onError(key: string, message: string): void {
    const [aid, tid] = key.split(':').map(Number) as [number, number];
    const run = this.run;
    this.h.log(`action ${aid} of transition ${tid}: ${message}`);
    if (!run || run.graph.id !== tid || run.stateOf(aid) !== 'in-flight') return;
    run.complete(aid, false, message);
    this.pump();
  }

  /** A recurring monitor found a problem on `node`. */
  onMonitorFailure(node: string, rsc: string, rec: OpRecord): void {
    this.h.apply({ op: 'op-result', node, rsc, rec, countFailure: true });
    this.request(`monitor of ${rsc} failed on ${node}`);
  }
}
