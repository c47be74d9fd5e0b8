import { VigilError, type ProcessRunner } from '@vigil/base';
import { SystemClock, SystemRandom } from '@vigil/base/real';
import type { Configuration } from '@vigil/cib';
import { cibFencing, cibFencingKey, type CibFencing } from '@vigil/controller';
import {
  AgentFencer,
  DEFAULT_AGENT_DIRS,
  FenceHistory,
  parseDevice,
  parseTopology,
  resolveAgent,
  type FenceDeviceSpec,
  type FenceLevelSpec,
  type FenceOutcome,
} from '@vigil/executor';
import type { ClusterConfig, FenceDeviceConfig } from '../config/index.js';
import type { DeviceMonitorSpec, MonitorResult } from './fence-monitor.js';

/**
 * The DC's fencing: `@vigil/executor`'s `AgentFencer` (topology levels, delays, verification,
 * history) configured from the cluster file's `fencing` section and from the replicated CIB's
 * fence devices (top-level primitives of class stonith) and `fencing-topology`.
 *
 * The YAML maps onto fencer devices like a Pacemaker stonith resource:
 * - `params` go to the device as they are (agent parameters, and any `pcmk_*` attribute);
 * - `hostMap` becomes `pcmk_host_map` (the device fences exactly these nodes, with these plugs);
 * - `delayBaseMs` becomes `pcmk_delay_base`, and `delayMaxMs` (the random part on top of it)
 *   becomes `pcmk_delay_max` = base + max;
 * - `timeoutMs` becomes every action's `pcmk_<action>_timeout`;
 * - `topology` (per node, levels in order) becomes fencing levels 1, 2, … for that node.
 */
export function fenceDeviceSpecs(cfg: ClusterConfig): FenceDeviceSpec[] {
  return cfg.fencing.devices.map(deviceSpec);
}

export function deviceSpec(d: FenceDeviceConfig): FenceDeviceSpec {
  const params: Record<string, string> = { ...d.params };
  const map = Object.entries(d.hostMap);
  if (map.length > 0 && params.pcmk_host_map === undefined)
    params.pcmk_host_map = map.map(([node, plug]) => `${node}:${plug}`).join(';');
  if (d.delayBaseMs > 0 && params.pcmk_delay_base === undefined)
    params.pcmk_delay_base = `${d.delayBaseMs}ms`;
  if (d.delayMaxMs > 0 && params.pcmk_delay_max === undefined)
    params.pcmk_delay_max = `${d.delayBaseMs + d.delayMaxMs}ms`;
  for (const a of ['off', 'on', 'reboot', 'status', 'monitor', 'list'])
    if (params[`pcmk_${a}_timeout`] === undefined) params[`pcmk_${a}_timeout`] = `${d.timeoutMs}ms`;
  return { id: d.id, agent: d.agent, params };
}

export function fenceLevelSpecs(cfg: ClusterConfig): FenceLevelSpec[] {
  const out: FenceLevelSpec[] = [];
  for (const [target, levels] of Object.entries(cfg.fencing.topology))
    levels.forEach((devices, i) => out.push({ index: i + 1, target, devices: [...devices] }));
  return out;
}

export interface NodeFencingOptions {
  readonly runner: ProcessRunner;
  /** Directories searched first for `fence_*` agents (then /usr/sbin and vigil's own). */
  readonly agentDirs?: readonly string[];
  readonly log: (line: string) => void;
}

/** Where a fence device in use is defined. */
export type FenceDeviceSource = 'cluster file' | 'CIB';

/** A fence device as `vigil status` lists it. */
export interface FenceDeviceInfo {
  readonly id: string;
  /** `stonith:fence_NAME`, as crm_mon names a fence device. */
  readonly agent: string;
  readonly source: FenceDeviceSource;
  /**
   * Started: the DC's fencer uses it; FAILED: used, but its last monitor failed (`note` says
   * why); Stopped: disabled (target-role); Refused: see `note`.
   */
  readonly state: 'Started' | 'FAILED' | 'Stopped' | 'Refused';
  readonly note?: string;
  /** How often the DC monitors it, ms (absent: not monitored). */
  readonly monitorIntervalMs?: number;
}

/**
 * What the fencer is built from: the cluster file's devices and topology merged with the CIB's.
 *
 * Precedence (logged in `notes`):
 * - a device id defined in both: the CIB's definition is used (a disabled one disables it);
 * - a node with levels in both (a CIB level in use names it, by target, pattern or attribute):
 *   the CIB's levels are used for it, the cluster file's for that node are not;
 * - without topology, devices are tried by `priority` (higher first), then the cluster file's
 *   before the CIB's, each in its own order.
 * A CIB device with `target-role=Stopped` is not used, nor is a CIB level naming one (the next
 * level is tried, as when that level fails).
 */
export interface FencerPlan {
  readonly devices: readonly FenceDeviceSpec[];
  readonly topology: readonly FenceLevelSpec[];
  readonly sources: ReadonlyMap<string, FenceDeviceSource>;
  readonly disabled: readonly { readonly id: string; readonly agent: string }[];
  readonly notes: readonly string[];
  /** The devices in use with a monitor interval, and the op's timeout. */
  readonly monitors: readonly DeviceMonitorSpec[];
}

/**
 * A CIB fence device's monitor interval when its primitive has no `op monitor`: 60 s, the
 * interval `pcs stonith create` gives one (the cluster file's devices: `monitorIntervalMs`).
 */
export const DEFAULT_CIB_FENCE_MONITOR_INTERVAL_MS = 60_000;

export function fencerPlan(cfg: ClusterConfig, cib: CibFencing): FencerPlan {
  const notes: string[] = [];
  const cibIds = new Map(cib.devices.map((d) => [d.id, d]));
  const sources = new Map<string, FenceDeviceSource>();
  const devices: FenceDeviceSpec[] = [];
  const monitors: DeviceMonitorSpec[] = [];
  for (const d of cfg.fencing.devices) {
    const c = cibIds.get(d.id);
    if (c !== undefined) {
      notes.push(
        `fence device ${d.id}: the CIB's definition (stonith:${c.agent}${c.disabled ? ', disabled' : ''}) replaces the cluster file's`,
      );
      continue;
    }
    devices.push(deviceSpec(d));
    sources.set(d.id, 'cluster file');
    monitors.push({ id: d.id, intervalMs: d.monitorIntervalMs, timeoutMs: d.timeoutMs });
  }
  const disabled: { id: string; agent: string }[] = [];
  for (const d of cib.devices) {
    if (d.disabled) {
      disabled.push({ id: d.id, agent: d.agent });
      notes.push(`fence device ${d.id} is disabled (target-role=Stopped): not used`);
      continue;
    }
    devices.push({ id: d.id, agent: d.agent, params: { ...d.params } });
    sources.set(d.id, 'CIB');
    monitors.push(
      d.monitor !== undefined
        ? { id: d.id, ...d.monitor }
        : { id: d.id, intervalMs: DEFAULT_CIB_FENCE_MONITOR_INTERVAL_MS },
    );
  }
  const off = new Set(disabled.map((d) => d.id));
  const topology: FenceLevelSpec[] = [];
  const cibLevels: FenceLevelSpec[] = [];
  for (const l of cib.levels) {
    const gone = l.devices.filter((d) => off.has(d));
    const what = `fencing-level ${l.id} (index ${l.index}, ${l.target !== undefined ? `target ${l.target}` : `pattern ${l.targetPattern ?? '?'}`})`;
    if (gone.length > 0) {
      notes.push(`${what} names disabled device ${gone.join(', ')}: not used`);
      continue;
    }
    cibLevels.push({
      index: l.index,
      devices: [...l.devices],
      ...(l.target !== undefined ? { target: l.target } : {}),
      ...(l.targetPattern !== undefined ? { targetPattern: l.targetPattern } : {}),
    });
  }
  // A node the CIB's levels in use name (a level naming a disabled device is not in use).
  const coveredByCib = (node: string): boolean =>
    cibLevels.some((l) => l.target === node || matches(l.targetPattern, node));
  for (const l of fenceLevelSpecs(cfg)) {
    if (l.target !== undefined && coveredByCib(l.target)) continue;
    const gone = l.devices.filter((d) => off.has(d));
    if (gone.length > 0) {
      notes.push(
        `the cluster file's level ${l.index} for ${l.target ?? '?'} names ${gone.join(', ')}, disabled in the CIB: not used`,
      );
      continue;
    }
    topology.push(l);
  }
  for (const node of Object.keys(cfg.fencing.topology))
    if (coveredByCib(node))
      notes.push(`fencing topology of ${node}: the CIB's levels replace the cluster file's`);
  topology.push(...cibLevels);
  return { devices, topology, sources, disabled, notes, monitors };
}

function matches(pattern: string | undefined, node: string): boolean {
  if (pattern === undefined) return false;
  try {
    return new RegExp(pattern).test(node);
  } catch {
    return false; // the fencer refuses it, naming it
  }
}

/**
 * What the fencer would refuse in a plan, one line per device or level, each naming it: an
 * agent not installed here (in `agentDirs`, /usr/sbin, vigil's own), an attribute the fencer does
 * not accept or cannot parse, a level naming an unknown device or repeating a target and index.
 */
export function fencerPlanProblems(plan: FencerPlan, agentDirs: readonly string[]): string[] {
  const problems: string[] = [];
  const dirs = [...agentDirs, ...DEFAULT_AGENT_DIRS];
  const seen = new Set<string>();
  for (const d of plan.devices) {
    const name = `fence device '${d.id}'${plan.sources.get(d.id) === 'CIB' ? ` (stonith:${d.agent})` : ''}`;
    if (seen.has(d.id)) problems.push(`${name} is defined twice`);
    seen.add(d.id);
    try {
      parseDevice(d);
    } catch (e) {
      // parseDevice says `fence device 'ID': ATTR: ATTR …`: named once here.
      const why = (e as Error).message
        .replace(`fence device '${d.id}': `, '')
        .replace(/^(\S+): \1\b:? ?/, '$1: ');
      problems.push(`${name}: ${why}`);
      continue;
    }
    try {
      resolveAgent(d.agent, dirs);
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    }
  }
  const ids = new Set(plan.devices.map((d) => d.id));
  const accepted: FenceLevelSpec[] = [];
  for (const l of plan.topology) {
    try {
      parseTopology([...accepted, l], ids);
      accepted.push(l);
    } catch (e) {
      problems.push(
        `fencing level (index ${l.index}, ${l.target !== undefined ? `target ${l.target}` : `pattern ${l.targetPattern ?? '?'}`}): ${(e as Error).message.replace(/^fencing level \d+ \([^)]*\): /, '')}`,
      );
    }
  }
  return problems;
}

/**
 * Refuses a configuration whose fencing the fencer would not accept (VGL_E_CIB_INVALID naming
 * each device or level and what is wrong), unless the same problems exist already in `before`
 * (an agent missing on this node that the current configuration names too is not the change's
 * fault). Called by the DC before it proposes a change.
 */
export function checkCibFencing(
  cfg: ClusterConfig,
  before: Configuration,
  after: Configuration,
  agentDirs: readonly string[],
): void {
  const next = cibFencing(after);
  if (cibFencingKey(next) === cibFencingKey(cibFencing(before))) return;
  const old = new Set(fencerPlanProblems(fencerPlan(cfg, cibFencing(before)), agentDirs));
  const problems = fencerPlanProblems(fencerPlan(cfg, next), agentDirs).filter((p) => !old.has(p));
  if (problems.length > 0)
    throw new VigilError(
      'VGL_E_CIB_INVALID',
      `the fencer would refuse the CIB's fence devices or fencing topology; nothing was changed:\n  ${problems.join('\n  ')}`,
      { problems },
    );
}

/** Builds the fencer from the cluster file alone; a device or level the fencer refuses is a VGL_E_CONFIG naming it. */
export function fencerFromConfig(cfg: ClusterConfig, o: NodeFencingOptions): AgentFencer {
  return new AgentFencer({
    runner: o.runner,
    clock: new SystemClock(),
    random: new SystemRandom(),
    devices: fenceDeviceSpecs(cfg),
    topology: fenceLevelSpecs(cfg),
    agentDirs: [...(o.agentDirs ?? []), ...DEFAULT_AGENT_DIRS],
  });
}

/**
 * Fences a node for the DC, logging every device attempt. The fencer is rebuilt when the CIB's
 * fencing part changes (`update`); the history carries over, and a request already running
 * finishes on the fencer that started it.
 */
export class NodeFencing {
  private current: AgentFencer;
  private key: string;
  private readonly historyLog = new FenceHistory(500);
  private info: FenceDeviceInfo[] = [];
  private monitors: readonly DeviceMonitorSpec[] = [];
  /** Fencing requests running (on this fencer or a previous one). */
  private fencing = 0;

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly o: NodeFencingOptions,
  ) {
    // The cluster file's devices alone: one it refuses stops vigild (VGL_E_CONFIG naming it).
    this.current = this.build(fencerPlan(cfg, { devices: [], levels: [], problems: [] }), false);
    this.key = cibFencingKey({ devices: [], levels: [], problems: [] });
  }

  /** The fencer requests go to now. */
  get fencer(): AgentFencer {
    return this.current;
  }

  /** The devices in use that the DC monitors, with their intervals and timeouts. */
  get monitorSpecs(): readonly DeviceMonitorSpec[] {
    const used = new Set(this.current.deviceIds);
    return this.monitors.filter((m) => used.has(m.id));
  }

  /**
   * Whether a device must not be monitored now: a fencing request is running (any: which devices
   * it will use is known only as it goes), or the device has an action queued.
   */
  busy(id: string): boolean {
    if (this.fencing > 0) return true;
    try {
      return this.current.deviceBusy(id);
    } catch {
      return true; // no longer configured
    }
  }

  /**
   * Runs a device's monitor action; a failure (or a device gone) is `ok: false` with why;
   * undefined when a fencing request or query on the device preempted it (no verdict).
   */
  async monitor(id: string, timeoutMs: number | undefined): Promise<MonitorResult | undefined> {
    try {
      const { run, preempted } = await this.current.monitorDevice(id, timeoutMs);
      if (preempted) return undefined;
      return run.ok ? { ok: true, reason: '' } : { ok: false, reason: run.summary };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }

  /** Every fence device, as `vigil status` lists it. */
  get devices(): readonly FenceDeviceInfo[] {
    return this.info;
  }

  /**
   * Rebuilds the fencer when the CIB's fencing part differs from what it was built from; returns
   * whether it did. What the fencer refuses is left out (logged): the DC refuses such changes
   * before proposing them, but a CIB written elsewhere (another DC with other agents installed)
   * may hold some.
   */
  update(config: Configuration, why: string): boolean {
    const f = cibFencing(config);
    const key = cibFencingKey(f);
    if (key === this.key) return false;
    this.key = key;
    const plan = fencerPlan(this.cfg, f);
    const running = this.current.running;
    this.current = this.build(plan, true);
    const cibCount = [...plan.sources.values()].filter((s) => s === 'CIB').length;
    this.o.log(
      `fencer rebuilt (${why}): ${this.current.deviceIds.length} devices (${cibCount} from the CIB), ${plan.topology.length} levels` +
        (running > 0 ? `; ${running} fencing requests in progress finish on the previous one` : ''),
    );
    return true;
  }

  private build(plan: FencerPlan, lenient: boolean): AgentFencer {
    for (const n of plan.notes) this.o.log(`fencing: ${n}`);
    this.monitors = plan.monitors;
    const interval = new Map(plan.monitors.map((m) => [m.id, m.intervalMs]));
    const make = (devices: FenceDeviceSpec[], topology: FenceLevelSpec[]): AgentFencer =>
      new AgentFencer({
        runner: this.o.runner,
        clock: new SystemClock(),
        random: new SystemRandom(),
        devices,
        topology,
        history: this.historyLog,
        agentDirs: [...(this.o.agentDirs ?? []), ...DEFAULT_AGENT_DIRS],
      });
    const refused = new Map<string, string>();
    let fencer: AgentFencer;
    try {
      fencer = make([...plan.devices], [...plan.topology]);
    } catch (e) {
      if (!lenient) throw e;
      // Keep what the fencer accepts, one device and one level at a time.
      const devices: FenceDeviceSpec[] = [];
      for (const d of plan.devices) {
        try {
          if (devices.some((x) => x.id === d.id)) throw new Error('defined twice');
          parseDevice(d);
          devices.push(d);
        } catch (err) {
          refused.set(d.id, (err as Error).message);
          this.o.log(`fencing: device ${d.id} NOT USED: ${(err as Error).message}`);
        }
      }
      const ids = new Set(devices.map((d) => d.id));
      const levels: FenceLevelSpec[] = [];
      for (const l of plan.topology) {
        try {
          parseTopology([...levels, l], ids);
          levels.push(l);
        } catch (err) {
          this.o.log(`fencing: level NOT USED: ${(err as Error).message}`);
        }
      }
      fencer = make(devices, levels);
    }
    const dirs = [...(this.o.agentDirs ?? []), ...DEFAULT_AGENT_DIRS];
    this.info = [
      ...plan.devices.map((d): FenceDeviceInfo => {
        let note = refused.get(d.id);
        if (note === undefined)
          try {
            resolveAgent(d.agent, dirs);
          } catch (e) {
            note = (e as Error).message;
          }
        return {
          id: d.id,
          agent: `stonith:${d.agent}`,
          source: plan.sources.get(d.id) ?? 'CIB',
          state: refused.has(d.id) ? 'Refused' : 'Started',
          ...(note !== undefined ? { note } : {}),
          ...((interval.get(d.id) ?? 0) > 0 && !refused.has(d.id)
            ? { monitorIntervalMs: interval.get(d.id) ?? 0 }
            : {}),
        };
      }),
      ...plan.disabled.map((d): FenceDeviceInfo => ({
        id: d.id,
        agent: `stonith:${d.agent}`,
        source: 'CIB',
        state: 'Stopped',
        note: 'disabled (target-role=Stopped)',
      })),
    ];
    return fencer;
  }

  async fence(target: string, action: 'off' | 'reboot'): Promise<FenceOutcome> {
    this.fencing++;
    let r: FenceOutcome;
    try {
      r = await this.current.fence(target, action);
    } finally {
      this.fencing--;
    }
    for (const a of r.attempts)
      this.o.log(
        `fence ${target} (${action}) level ${a.level} with ${a.device}: ${a.ok ? 'ok' : `failed: ${a.reason}`}` +
          (a.delayBaseMs + a.delayRandomMs > 0
            ? ` after a ${a.delayBaseMs + a.delayRandomMs} ms delay`
            : ''),
      );
    if (!r.ok) this.o.log(`fencing ${target} failed: ${r.reason}`);
    return r;
  }

  history(target?: string): FenceOutcome[] {
    return this.historyLog.query(target !== undefined ? { target } : undefined);
  }
}
