import {
  VigilError,
  type Clock,
  type ProcessResult,
  type ProcessRunner,
  type ProcessSpec,
  type TimerHandle,
} from '@vigil/base';

/** One call the simulated runner received. */
export interface SimulatedCall {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** `args[0]`: the OCF/LSB action. */
  readonly action: string;
  /** OCF_RESOURCE_INSTANCE, or '' when absent. */
  readonly instance: string;
  readonly stdin: string;
  readonly timeoutMs: number;
}

/** What a scripted process does: exit with `exitCode` after `durationMs`, or hang forever. */
export interface SimulatedOutcome {
  readonly exitCode: number;
  /** Simulated run time in ms of the runner's clock. */
  readonly durationMs: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** Never exits on its own: only the timeout or an abort ends it (a SIGTERM-ignoring agent). */
  readonly hang?: boolean;
}

export type SimulatedBehaviour = (call: SimulatedCall) => SimulatedOutcome;

/** Calls kept for inspection; older ones are dropped. */
export const MAX_SIMULATED_CALLS = 10_000;

/**
 * The simulated ProcessRunner: scripted agents with simulated durations and results on the
 * simulator's clock. Deterministic given the clock and the scripts: it never touches real
 * processes, time or randomness. Same contract as the real runner: a deadline kills the run
 * (`timedOut`, SIGKILL), an abort kills it (SIGKILL, not timed out), output is capped per stream.
 * An unscripted command rejects with VGL_E_IO, as a missing binary does for the real runner.
 */
export class SimulatedProcessRunner implements ProcessRunner {
  private readonly scripts = new Map<string, SimulatedBehaviour>();
  private readonly history: SimulatedCall[] = [];
  private running = 0;

  constructor(private readonly clock: Clock) {}

  /** Scripts `command` (an agent's full path, e.g. `/usr/lib/ocf/resource.d/heartbeat/Dummy`). */
  script(command: string, behaviour: SimulatedBehaviour): this {
    this.scripts.set(command, behaviour);
    return this;
  }

  /** True if `command` is scripted: pass as the executor's `isInstalled`. */
  isInstalled(command: string): boolean {
    return this.scripts.has(command);
  }

  /** Calls received so far, oldest first (at most MAX_SIMULATED_CALLS). */
  calls(): readonly SimulatedCall[] {
    return this.history;
  }

  /** Runs in progress. */
  inFlight(): number {
    return this.running;
  }

  run(spec: ProcessSpec, abort?: AbortSignal): Promise<ProcessResult> {
    const behaviour = this.scripts.get(spec.command);
    if (!behaviour) {
      return Promise.reject(
        new VigilError('VGL_E_IO', `cannot run ${spec.command}: not scripted in the simulation`, {
          command: spec.command,
        }),
      );
    }
    const call: SimulatedCall = {
      command: spec.command,
      args: spec.args,
      env: spec.env,
      action: spec.args[0] ?? '',
      instance: spec.env.OCF_RESOURCE_INSTANCE ?? '',
      stdin: spec.stdin ?? '',
      timeoutMs: spec.timeoutMs,
    };
    if (this.history.length >= MAX_SIMULATED_CALLS) this.history.shift();
    this.history.push(call);
    const out = behaviour(call);
    const t0 = this.clock.monotonicMs();
    this.running++;
    return new Promise((resolve) => {
      let done = false;
      const timers: TimerHandle[] = [];
      const finish = (r: Omit<ProcessResult, 'durationMs'>): void => {
        if (done) return;
        done = true;
        this.running--;
        for (const t of timers) t.cancel();
        abort?.removeEventListener('abort', onAbort);
        resolve({ ...r, durationMs: this.clock.monotonicMs() - t0 });
      };
      const killed = (timedOut: boolean): void =>
        finish({
          exitCode: null,
          signal: 'SIGKILL',
          timedOut,
          stdout: '',
          stderr: '',
          outputTruncated: false,
        });
      const onAbort = (): void => killed(false);
      if (abort?.aborted) {
        killed(false);
        return;
      }
      abort?.addEventListener('abort', onAbort, { once: true });
      timers.push(this.clock.setTimer(spec.timeoutMs, () => killed(true)));
      if (!out.hang && out.durationMs < spec.timeoutMs) {
        timers.push(
          this.clock.setTimer(Math.max(0, out.durationMs), () => {
            const stdout = cap(out.stdout ?? '', spec.maxOutputBytes);
            const stderr = cap(out.stderr ?? '', spec.maxOutputBytes);
            finish({
              exitCode: out.exitCode,
              signal: null,
              timedOut: false,
              stdout: stdout.text,
              stderr: stderr.text,
              outputTruncated: stdout.truncated || stderr.truncated,
            });
          }),
        );
      }
    });
  }
}

function cap(s: string, maxBytes: number): { text: string; truncated: boolean } {
  const b = new TextEncoder().encode(s);
  if (b.length <= maxBytes) return { text: s, truncated: false };
  return { text: new TextDecoder().decode(b.subarray(0, maxBytes)), truncated: true };
}

export type SimulatedRole = 'stopped' | 'started' | 'promoted';

/** Durations of the simulated OCF agent's actions, in ms. */
export interface SimulatedOcfTimings {
  readonly start: number;
  readonly stop: number;
  readonly monitor: number;
  readonly promote: number;
  readonly demote: number;
  readonly other: number;
}

/**
 * A scripted OCF agent with per-instance state that follows the OCF rules: start/stop are
 * idempotent, monitor returns 7/0/8, promote/demote need a started instance, stop of a promoted
 * instance returns 8 (like Stateful), unknown actions return 3. Faults are injected per instance.
 */
export class SimulatedOcfAgent {
  private readonly roles = new Map<string, SimulatedRole>();
  private readonly faults = new Map<string, SimulatedOutcome[]>();
  readonly timings: SimulatedOcfTimings;

  constructor(
    readonly name: string,
    timings: Partial<SimulatedOcfTimings> = {},
  ) {
    this.timings = {
      start: 10,
      stop: 10,
      monitor: 5,
      promote: 10,
      demote: 10,
      other: 5,
      ...timings,
    };
  }

  /** The instance's state as the agent sees it ("what is really running"). */
  role(instance: string): SimulatedRole {
    return this.roles.get(instance) ?? 'stopped';
  }

  /** Changes reality behind the cluster's back: a crash is `setRole(i, 'stopped')`. */
  setRole(instance: string, role: SimulatedRole): void {
    this.roles.set(instance, role);
  }

  /** The next `action` on `instance` returns `outcome` instead of behaving normally. */
  injectFault(instance: string, action: string, outcome: SimulatedOutcome): void {
    const k = `${instance}\u0000${action}`;
    const list = this.faults.get(k) ?? [];
    list.push(outcome);
    this.faults.set(k, list);
  }

  readonly behaviour: SimulatedBehaviour = (c) => {
    const fault = this.faults.get(`${c.instance}\u0000${c.action}`)?.shift();
    if (fault) return fault;
    const t = this.timings;
    const role = this.role(c.instance);
    const ok = (durationMs: number, exitCode = 0): SimulatedOutcome => ({ exitCode, durationMs });
    switch (c.action) {
      case 'start':
        if (role === 'stopped') this.roles.set(c.instance, 'started');
        return ok(t.start);
      case 'stop':
        if (role === 'promoted') return ok(t.stop, 8);
        this.roles.set(c.instance, 'stopped');
        return ok(t.stop);
      case 'monitor':
        return ok(t.monitor, role === 'stopped' ? 7 : role === 'promoted' ? 8 : 0);
      case 'promote':
        if (role === 'stopped') return ok(t.promote, 7);
        this.roles.set(c.instance, 'promoted');
        return ok(t.promote);
      case 'demote':
        if (role === 'stopped') return ok(t.demote, 7);
        this.roles.set(c.instance, 'started');
        return ok(t.demote);
      case 'notify':
      case 'validate-all':
      case 'reload':
        return ok(t.other);
      case 'meta-data':
        return {
          exitCode: 0,
          durationMs: t.other,
          stdout: `<?xml version="1.0"?>\n<resource-agent name="${this.name}" version="1.0"><version>1.1</version><shortdesc lang="en">simulated</shortdesc><longdesc lang="en">A simulated agent.</longdesc><parameters/><actions><action name="start" timeout="20s"/><action name="stop" timeout="20s"/><action name="monitor" timeout="20s" interval="10s"/><action name="promote" timeout="20s"/><action name="demote" timeout="20s"/><action name="notify" timeout="20s"/><action name="meta-data" timeout="5s"/><action name="validate-all" timeout="20s"/></actions></resource-agent>\n`,
        };
      default:
        return ok(t.other, 3);
    }
  };
}
