import {
  VigilError,
  type Clock,
  type ErrorCode,
  type FenceAction,
  type Fencer,
  type ProcessRunner,
  type Random,
} from '@vigil/base';
import {
  DEFAULT_AGENT_DIRS,
  fetchMetadata,
  resolveAgent,
  runAgent,
  type AgentRun,
} from './agent.js';
import {
  baseDelayMs,
  effectiveHostCheck,
  needsMetadata,
  parseDevice,
  plugFor,
  staticallyListed,
  DEFAULT_ACTION_TIMEOUT_MS,
  type DeviceAction,
  type FenceDevice,
  type FenceDeviceSpec,
} from './device.js';
import {
  FenceHistory,
  type DeviceAttempt,
  type FenceHistoryEntry,
  type HistoryQuery,
} from './history.js';
import { hostArgumentOf, type FenceAgentMetadata } from './metadata.js';
import { parseListOutput, type AgentAction, type PowerState } from './protocol.js';
import { levelsFor, parseTopology, type FenceLevel, type FenceLevelSpec } from './topology.js';

export interface AgentFencerOptions {
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  readonly random: Random;
  readonly devices: readonly FenceDeviceSpec[];
  readonly topology?: readonly FenceLevelSpec[];
  /** Where `fence_NAME` agents are looked up. Default: /usr/sbin, then vigil's own agents. */
  readonly agentDirs?: readonly string[];
  /** Timeout of each device action unless `pcmk_<action>_timeout` says otherwise. Default 60 s. */
  readonly defaultTimeoutMs?: number;
  /** Timeout of a meta-data call. Default 10 s. */
  readonly metadataTimeoutMs?: number;
  /** How long a dynamic-list answer is reused, ms. Default 60 s. */
  readonly dynamicListCacheMs?: number;
  /** Entries kept in the history. Default 500. */
  readonly historyLimit?: number;
  /**
   * The history to record into (and number entries from), shared with another fencer: a fencer
   * rebuilt for a new configuration keeps its predecessor's history. `historyLimit` is then unused.
   */
  readonly history?: FenceHistory;
  /** Requests waiting for one device at once. Default 32. */
  readonly maxQueuePerDevice?: number;
  /** Distinct fencing requests (target and action) running at once. Default 64. */
  readonly maxConcurrentRequests?: number;
}

/** A fencing result (a `FenceResult`) with everything the history keeps. */
export type FenceOutcome = FenceHistoryEntry;

const NODE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;
const FENCE_ACTIONS: readonly FenceAction[] = ['off', 'on', 'reboot', 'status', 'monitor', 'list'];

interface DeviceState {
  readonly dev: FenceDevice;
  path?: string;
  metadata?: FenceAgentMetadata;
  listCache?: { readonly atMs: number; readonly names: ReadonlySet<string> };
  /** Serialises this device's actions: one at a time, like pcmk_action_limit=1. */
  tail: Promise<unknown>;
  queued: number;
  /** A monitor started by `monitorDevice`, which any other action on the device preempts. */
  preemptible?: AbortController;
}

interface Capability {
  readonly ok: boolean;
  readonly reason: string;
  readonly plug?: string;
}

/**
 * The fencer: runs real fence agents, with topology, host maps and lists, delays, verification
 * with `status`, and a bounded history.
 *
 * Contract:
 * - `fence(target, 'off' | 'reboot')` is ok only when a whole level succeeded; an off is ok only
 *   when the agent's `status` then answers off (rc 2) unless the device says `vigil_verify=none`.
 * - Every agent run has a timeout enforced here (SIGKILL of the agent's process group), whatever
 *   the agent does with its own timeouts.
 * - A device runs one action at a time; concurrent requests for the same target and action share
 *   one execution.
 * - Failures are results, not exceptions: `ok: false` with a code (VGL_E_FENCE_FAILED for
 *   off/reboot/on, the device's code otherwise) and a reason. Only bad arguments throw.
 */
export class AgentFencer implements Fencer {
  private readonly devices = new Map<string, DeviceState>();
  private readonly deviceOrder: FenceDevice[];
  private readonly levels: FenceLevel[];
  private readonly history_: FenceHistory;
  private readonly inflight = new Map<string, Promise<FenceOutcome>>();
  private readonly agentDirs: readonly string[];
  private readonly metadataTimeoutMs: number;
  private readonly listCacheMs: number;
  private readonly maxQueue: number;
  private readonly maxRequests: number;

  constructor(private readonly opts: AgentFencerOptions) {
    const timeout = opts.defaultTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
    for (const spec of opts.devices) {
      if (this.devices.has(spec.id)) {
        throw new VigilError('VGL_E_CONFIG', `fence device '${spec.id}' is defined twice`, {
          device: spec.id,
        });
      }
      this.devices.set(spec.id, {
        dev: parseDevice(spec, timeout),
        tail: Promise.resolve(),
        queued: 0,
      });
    }
    this.deviceOrder = [...this.devices.values()]
      .map((s) => s.dev)
      .sort((a, b) => b.priority - a.priority);
    this.levels = parseTopology(opts.topology ?? [], new Set(this.devices.keys()));
    this.history_ = opts.history ?? new FenceHistory(opts.historyLimit ?? 500);
    this.agentDirs = opts.agentDirs ?? DEFAULT_AGENT_DIRS;
    this.metadataTimeoutMs = opts.metadataTimeoutMs ?? 10_000;
    this.listCacheMs = opts.dynamicListCacheMs ?? 60_000;
    this.maxQueue = opts.maxQueuePerDevice ?? 32;
    this.maxRequests = opts.maxConcurrentRequests ?? 64;
  }

  /** Fences (or queries) `target`. See the class contract. */
  fence(target: string, action: FenceAction): Promise<FenceOutcome> {
    if (!NODE_RE.test(target)) {
      return Promise.reject(
        new VigilError('VGL_E_INVALID_INPUT', `'${target}' is not a valid node name`, { target }),
      );
    }
    if (!FENCE_ACTIONS.includes(action)) {
      return Promise.reject(
        new VigilError('VGL_E_INVALID_INPUT', `'${action as string}' is not a fence action`, {
          action,
        }),
      );
    }
    const key = `${target}\0${action}`;
    const running = this.inflight.get(key);
    if (running) return running;
    if (this.inflight.size >= this.maxRequests) {
      return Promise.reject(
        new VigilError('VGL_E_LIMIT', `${this.inflight.size} fencing requests are already running`),
      );
    }
    const p = this.execute(target, action).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Past results, oldest first. */
  history(q?: HistoryQuery): FenceHistoryEntry[] {
    return this.history_.query(q);
  }

  /** The history this fencer records into (to hand to a fencer that replaces it). */
  get historyLog(): FenceHistory {
    return this.history_;
  }

  /** The configured device ids, in the order tried without topology. */
  get deviceIds(): string[] {
    return this.deviceOrder.map((d) => d.id);
  }

  /** Requests (target and action) running now. */
  get running(): number {
    return this.inflight.size;
  }

  /** The parsed device configuration. */
  device(id: string): FenceDevice {
    return this.state(id).dev;
  }

  /** The agent's meta-data for a device (fetched once). */
  async metadata(deviceId: string): Promise<FenceAgentMetadata> {
    const st = this.state(deviceId);
    return this.loadMetadata(st);
  }

  /**
   * Runs one action on one device, outside any fencing request (no delay, no verification, no
   * history): `monitor`, `list`, or `status`/`on`/`off` for a node the device can fence.
   * `timeoutMs` replaces the device's `pcmk_<action>_timeout` (a monitor op's own timeout).
   */
  async runDeviceAction(
    deviceId: string,
    action: DeviceAction,
    node?: string,
    timeoutMs?: number,
  ): Promise<AgentRun> {
    const st = this.state(deviceId);
    const plug = node === undefined ? undefined : plugFor(st.dev, node);
    const r = await this.runOnDevice(st, action, node, plug, timeoutMs ?? st.dev.timeoutMs[action]);
    return r.last;
  }

  /**
   * Runs a device's `monitor` that gives way to anything else: when another action (a fencing
   * request, a query) is queued on the device, the monitor's agent is killed at once and
   * `preempted` is true (no verdict on the device). Retries as `pcmk_monitor_retries` says.
   */
  async monitorDevice(
    deviceId: string,
    timeoutMs?: number,
  ): Promise<{ readonly run: AgentRun; readonly preempted: boolean }> {
    const st = this.state(deviceId);
    const abort = new AbortController();
    const r = await this.runOnDevice(
      st,
      'monitor',
      undefined,
      undefined,
      timeoutMs ?? st.dev.timeoutMs.monitor,
      undefined,
      abort,
    );
    return { run: r.last, preempted: abort.signal.aborted };
  }

  /** Whether a device has an action running or queued (a fencing request, a query). */
  deviceBusy(deviceId: string): boolean {
    return this.state(deviceId).queued > 0;
  }

  /** Which node names a device reports it can fence (its `list`, cached). */
  async listPlugs(deviceId: string): Promise<ReadonlySet<string>> {
    return this.dynamicList(this.state(deviceId));
  }

  private state(id: string): DeviceState {
    const st = this.devices.get(id);
    if (!st) throw new VigilError('VGL_E_NOT_FOUND', `no fence device '${id}'`, { device: id });
    return st;
  }

  private async execute(target: string, action: FenceAction): Promise<FenceOutcome> {
    const startedWallMs = this.opts.clock.wallMs();
    const t0 = this.opts.clock.monotonicMs();
    const attempts: DeviceAttempt[] = [];
    const levelsTried: number[] = [];
    let outcome: { ok: boolean; reason: string; code?: ErrorCode; state?: PowerState };
    try {
      outcome = await this.runLevels(target, action, attempts, levelsTried);
    } catch (e) {
      // Configuration problems found late (two pattern levels, bad meta-data) end the request.
      const code = e instanceof VigilError ? e.code : 'VGL_E_INTERNAL';
      outcome = { ok: false, code, reason: e instanceof Error ? e.message : String(e) };
    }
    const failCode: ErrorCode | undefined = outcome.ok
      ? undefined
      : action === 'off' || action === 'reboot' || action === 'on'
        ? 'VGL_E_FENCE_FAILED'
        : // A query (status, monitor, list) fails with what went wrong with the device.
          (attempts.findLast((a) => !a.ok)?.code ?? outcome.code ?? 'VGL_E_AGENT');
    const entry: FenceHistoryEntry = {
      id: this.history_.nextId(),
      target,
      action,
      ok: outcome.ok,
      reason: outcome.reason,
      levelsTried,
      attempts,
      startedWallMs,
      completedWallMs: this.opts.clock.wallMs(),
      durationMs: this.opts.clock.monotonicMs() - t0,
      ...(failCode !== undefined ? { code: failCode } : {}),
      ...(outcome.state !== undefined ? { state: outcome.state } : {}),
    };
    this.history_.add(entry);
    return entry;
  }

  /** The levels to try: the topology's, or one level per capable device by priority. */
  private plan(target: string): { levels: FenceLevel[]; fromTopology: boolean } {
    const topo = levelsFor(this.levels, target);
    if (topo.length > 0) return { levels: topo, fromTopology: true };
    return {
      levels: this.deviceOrder.map((d, i) => ({ index: i + 1, devices: [d.id] })),
      fromTopology: false,
    };
  }

  private async runLevels(
    target: string,
    action: FenceAction,
    attempts: DeviceAttempt[],
    levelsTried: number[],
  ): Promise<{ ok: boolean; reason: string; code?: ErrorCode; state?: PowerState }> {
    const { levels, fromTopology } = this.plan(target);
    const failures: string[] = [];
    for (const level of levels) {
      // Who can fence the target: with a topology every device of the level must; without,
      // devices that cannot are simply not candidates.
      const caps = new Map<string, Capability>();
      let incapable: string | undefined;
      for (const id of level.devices) {
        let cap: Capability;
        try {
          cap = await this.capability(this.state(id), target);
        } catch (e) {
          // The agent is missing or its meta-data is unusable: this device cannot be used.
          cap = { ok: false, reason: `is unusable: ${(e as Error).message}` };
        }
        caps.set(id, cap);
        if (!cap.ok && incapable === undefined) incapable = `device ${id} ${cap.reason}`;
      }
      if (incapable !== undefined) {
        if (fromTopology) {
          levelsTried.push(level.index);
          failures.push(`level ${level.index}: ${incapable}`);
        }
        continue;
      }
      levelsTried.push(level.index);
      const r = await this.runLevel(level, target, action, caps, attempts);
      if (r.ok) {
        const how = fromTopology
          ? `level ${level.index} (${level.devices.join(', ')})`
          : `device ${level.devices[0]!}`;
        return {
          ok: true,
          reason: `${target} ${describeDone(action, r.state)} by ${how}`,
          ...(r.state !== undefined ? { state: r.state } : {}),
        };
      }
      failures.push(fromTopology ? `level ${level.index}: ${r.reason}` : `device ${r.reason}`);
    }
    if (levelsTried.length === 0) {
      const why =
        levels.length === 0 ? 'no fence devices are configured' : 'no fence device can fence it';
      return {
        ok: false,
        code: 'VGL_E_FENCE_FAILED',
        reason: `cannot ${action} ${target}: ${why}`,
      };
    }
    return {
      ok: false,
      code: 'VGL_E_FENCE_FAILED',
      reason: `cannot ${action} ${target}: every level failed: ${failures.join('; ')}`,
    };
  }

  private async runLevel(
    level: FenceLevel,
    target: string,
    action: FenceAction,
    caps: ReadonlyMap<string, Capability>,
    attempts: DeviceAttempt[],
  ): Promise<{ ok: boolean; reason: string; state?: PowerState }> {
    const plugOf = (id: string): string | undefined => caps.get(id)?.plug;
    if (action === 'reboot' && level.devices.length > 1) {
      // Several devices (redundant power supplies): all off and confirmed, then all on.
      for (const id of level.devices) {
        const a = await this.deviceStep(
          level.index,
          this.state(id),
          target,
          plugOf(id),
          'off',
          true,
        );
        attempts.push(a);
        if (!a.ok) return { ok: false, reason: `${id}: ${a.reason}` };
      }
      const onFailures: string[] = [];
      for (const id of level.devices) {
        const a = await this.deviceStep(
          level.index,
          this.state(id),
          target,
          plugOf(id),
          'on',
          false,
        );
        attempts.push(a);
        if (!a.ok) onFailures.push(`${id}: ${a.reason}`);
      }
      // The target was confirmed off: it is fenced even if powering it back on failed.
      return {
        ok: true,
        reason: onFailures.length > 0 ? `off, but on failed: ${onFailures.join('; ')}` : 'rebooted',
      };
    }
    if (action === 'status') {
      const states: PowerState[] = [];
      for (const id of level.devices) {
        const a = await this.deviceStep(
          level.index,
          this.state(id),
          target,
          plugOf(id),
          'status',
          false,
        );
        attempts.push(a);
        if (!a.ok) return { ok: false, reason: `${id}: ${a.reason}` };
        states.push(a.verified ?? 'unknown');
      }
      // Off only when every device of the level reports off.
      const state: PowerState = states.every((s) => s === 'off') ? 'off' : 'on';
      return { ok: true, reason: `status ${state}`, state };
    }
    for (const id of level.devices) {
      const a = await this.deviceStep(
        level.index,
        this.state(id),
        target,
        plugOf(id),
        action,
        true,
      );
      attempts.push(a);
      if (!a.ok) return { ok: false, reason: `${id}: ${a.reason}` };
    }
    return { ok: true, reason: 'done' };
  }

  /**
   * One device's part: delay (off/reboot), the action with retries, then for an off the
   * verification with status. `delay` is false for the power-on half of a multi-device reboot.
   */
  private async deviceStep(
    levelIndex: number,
    st: DeviceState,
    target: string,
    plug: string | undefined,
    requested: DeviceAction,
    delay: boolean,
  ): Promise<DeviceAttempt> {
    const dev = st.dev;
    const agentAction = dev.actionMap[requested];
    const fencing = requested === 'off' || requested === 'reboot';
    let delayBaseMs = 0;
    let delayRandomMs = 0;
    if (fencing && delay) {
      delayBaseMs = baseDelayMs(dev, target);
      const spread = dev.delayMaxMs - delayBaseMs;
      delayRandomMs = spread > 0 ? this.opts.random.int(0, spread + 1) : 0;
      if (delayBaseMs + delayRandomMs > 0) await this.opts.clock.sleep(delayBaseMs + delayRandomMs);
    }
    const startedWallMs = this.opts.clock.wallMs();
    const t0 = this.opts.clock.monotonicMs();
    const common = {
      device: dev.id,
      level: levelIndex,
      action: agentAction,
      delayBaseMs,
      delayRandomMs,
      startedWallMs,
    };
    let res: { last: AgentRun; runs: number; plugSent?: string };
    try {
      res = await this.runOnDevice(st, requested, target, plug, dev.timeoutMs[requested]);
    } catch (e) {
      const code = e instanceof VigilError ? e.code : 'VGL_E_INTERNAL';
      return {
        ...common,
        ok: false,
        code,
        reason: e instanceof Error ? e.message : String(e),
        runs: 0,
        rc: null,
        timedOut: false,
        durationMs: this.opts.clock.monotonicMs() - t0,
      };
    }
    const { last, runs, plugSent } = res;
    const ran = {
      ...common,
      ...(plugSent !== undefined ? { plug: plugSent } : {}),
      runs,
      rc: last.rc,
      timedOut: last.timedOut,
    };
    const done = (x: {
      ok: boolean;
      reason: string;
      code?: ErrorCode;
      verified?: PowerState;
    }): DeviceAttempt => ({
      ...ran,
      ...x,
      durationMs: this.opts.clock.monotonicMs() - t0,
    });
    if (!last.ok)
      return done({ ok: false, reason: last.summary, code: last.code ?? 'VGL_E_AGENT' });
    if (requested === 'status')
      return done({ ok: true, reason: last.summary, verified: last.power ?? 'unknown' });
    if (agentAction !== 'off' || dev.verify === 'none')
      return done({ ok: true, reason: last.summary });
    // Verification: the device must now report the target off.
    let check: { last: AgentRun };
    try {
      check = await this.runOnDevice(st, 'status', target, plug, dev.timeoutMs.status, 'status');
    } catch (e) {
      return done({
        ok: false,
        code: 'VGL_E_AGENT',
        reason: `off succeeded but status could not run: ${(e as Error).message}`,
      });
    }
    const power = check.last.power ?? 'unknown';
    if (power === 'off')
      return done({ ok: true, reason: `${last.summary}; status confirms off`, verified: 'off' });
    return done({
      ok: false,
      code: check.last.code ?? 'VGL_E_FENCE_FAILED',
      verified: power,
      reason:
        power === 'on'
          ? `off returned success but status still reports on`
          : `off returned success but status could not confirm it: ${check.last.summary}`,
    });
  }

  /**
   * Runs `requested` (mapped through pcmk_<action>_action unless `exact`) on a device, queued
   * behind its other actions, retrying failures (not timeouts) within one overall timeout.
   */
  private async runOnDevice(
    st: DeviceState,
    requested: DeviceAction,
    node: string | undefined,
    plug: string | undefined,
    timeoutMs: number,
    exact?: AgentAction,
    preemptible?: AbortController,
  ): Promise<{ last: AgentRun; runs: number; plugSent?: string }> {
    // Anything else on the device goes before a preemptible monitor (running or queued).
    if (preemptible === undefined) st.preemptible?.abort();
    if (st.queued >= this.maxQueue) {
      throw new VigilError(
        'VGL_E_LIMIT',
        `fence device ${st.dev.id} has ${st.queued} requests queued`,
        {
          device: st.dev.id,
        },
      );
    }
    st.queued++;
    const run = async (): Promise<{ last: AgentRun; runs: number; plugSent?: string }> => {
      if (preemptible !== undefined) {
        // Something else was queued meanwhile: give way before starting.
        if (st.queued > 1) preemptible.abort();
        if (preemptible.signal.aborted) return { last: preemptedRun(), runs: 0 };
        st.preemptible = preemptible;
      }
      try {
        return await runQueued();
      } finally {
        if (st.preemptible === preemptible) delete st.preemptible;
      }
    };
    const runQueued = async (): Promise<{ last: AgentRun; runs: number; plugSent?: string }> => {
      const path = this.pathOf(st);
      const arg = await this.hostArgument(st);
      // A device configured with its own plug parameter (port=3) always acts on that plug.
      const hostArgument =
        arg !== undefined && !Object.hasOwn(st.dev.agentParams, arg) ? arg : undefined;
      const action = exact ?? st.dev.actionMap[requested];
      const deadline = this.opts.clock.monotonicMs() + timeoutMs;
      let runs = 0;
      for (;;) {
        const left = Math.max(1, Math.round(deadline - this.opts.clock.monotonicMs()));
        runs++;
        const last = await runAgent(
          this.opts.runner,
          path,
          {
            action,
            params: st.dev.agentParams,
            ...(node !== undefined ? { nodename: node } : {}),
            ...(plug !== undefined && hostArgument !== undefined ? { plug, hostArgument } : {}),
          },
          left,
          preemptible?.signal,
        );
        const sent = plug !== undefined && hostArgument !== undefined ? { plugSent: plug } : {};
        if (last.ok || last.timedOut || preemptible?.signal.aborted === true)
          return { last, runs, ...sent };
        if (runs > st.dev.retries[requested] || this.opts.clock.monotonicMs() >= deadline) {
          return { last, runs, ...sent };
        }
      }
    };
    const p = st.tail.then(run, run);
    st.tail = p.catch(() => undefined).finally(() => st.queued--);
    return p;
  }

  private pathOf(st: DeviceState): string {
    st.path ??= resolveAgent(st.dev.agent, this.agentDirs);
    return st.path;
  }

  private async loadMetadata(st: DeviceState): Promise<FenceAgentMetadata> {
    st.metadata ??= await fetchMetadata(this.opts.runner, this.pathOf(st), this.metadataTimeoutMs);
    return st.metadata;
  }

  /** The parameter carrying the plug, or undefined for none. */
  private async hostArgument(st: DeviceState): Promise<string | undefined> {
    const arg = st.dev.hostArgument;
    if (arg === 'none') return undefined;
    if (arg !== undefined) return arg;
    return hostArgumentOf(await this.loadMetadata(st));
  }

  /** Whether this device can fence `node`, and with which plug (pcmk_host_check). */
  private async capability(st: DeviceState, node: string): Promise<Capability> {
    const dev = st.dev;
    const actions = needsMetadata(dev) ? (await this.loadMetadata(st)).actions : [];
    const check = effectiveHostCheck(dev, actions);
    const plug = plugFor(dev, node);
    switch (check) {
      case 'none':
        return { ok: true, reason: 'host check none', plug };
      case 'static-list':
        return staticallyListed(dev, node)
          ? { ok: true, reason: 'in the static host list', plug }
          : { ok: false, reason: `cannot fence ${node}: not in pcmk_host_list or pcmk_host_map` };
      case 'dynamic-list': {
        let names: ReadonlySet<string>;
        try {
          names = await this.dynamicList(st);
        } catch (e) {
          return {
            ok: false,
            reason: `cannot tell whether it can fence ${node}: ${(e as Error).message}`,
          };
        }
        return names.has(plug) || names.has(node)
          ? { ok: true, reason: 'listed by the agent', plug }
          : {
              ok: false,
              reason: `cannot fence ${node}: the agent's list does not include ${plug}`,
            };
      }
      case 'status': {
        const r = await this.runOnDevice(st, 'status', node, plug, dev.timeoutMs.status, 'status');
        return r.last.ok
          ? { ok: true, reason: 'status answered', plug }
          : {
              ok: false,
              reason: `cannot fence ${node}: status for ${plug} failed: ${r.last.summary}`,
            };
      }
    }
  }

  private async dynamicList(st: DeviceState): Promise<ReadonlySet<string>> {
    const now = this.opts.clock.monotonicMs();
    if (st.listCache && now - st.listCache.atMs < this.listCacheMs) return st.listCache.names;
    const r = await this.runOnDevice(st, 'list', undefined, undefined, st.dev.timeoutMs.list);
    if (!r.last.ok) {
      throw new VigilError('VGL_E_AGENT', `list failed: ${r.last.summary}`, { device: st.dev.id });
    }
    const names = new Set<string>();
    for (const p of parseListOutput(r.last.stdout)) {
      names.add(p.plug);
      if (p.alias !== undefined) names.add(p.alias);
    }
    st.listCache = { atMs: now, names };
    return names;
  }
}

/** What a monitor preempted before it ran reports (it never ran: no verdict). */
function preemptedRun(): AgentRun {
  return {
    action: 'monitor',
    rc: null,
    signal: null,
    timedOut: false,
    durationMs: 0,
    stdout: '',
    stderr: '',
    outputTruncated: false,
    ok: false,
    code: 'VGL_E_AGENT',
    summary: 'monitor preempted by another action on the device',
  };
}

function describeDone(action: FenceAction, state?: PowerState): string {
  switch (action) {
    case 'off':
      return 'confirmed off';
    case 'reboot':
      return 'rebooted';
    case 'on':
      return 'powered on';
    case 'status':
      return `is ${state ?? 'unknown'}`;
    case 'monitor':
      return 'devices monitored';
    case 'list':
      return 'devices listed';
  }
}
