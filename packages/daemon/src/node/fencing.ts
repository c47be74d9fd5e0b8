import type { ProcessRunner } from '@vigil/base';
import { SystemClock, SystemRandom } from '@vigil/base/real';
import {
  AgentFencer,
  DEFAULT_AGENT_DIRS,
  type FenceDeviceSpec,
  type FenceLevelSpec,
  type FenceOutcome,
} from '@vigil/executor';
import type { ClusterConfig, FenceDeviceConfig } from '../config/index.js';

/**
 * The DC's fencing: `@vigil/executor`'s `AgentFencer` (topology levels, delays, verification,
 * history) configured from the cluster file's `fencing` section.
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

/** Builds the fencer; a device or level the fencer refuses is a VGL_E_CONFIG naming it. */
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

/** Fences a node for the DC, logging every device attempt. */
export class NodeFencing {
  readonly fencer: AgentFencer;

  constructor(
    cfg: ClusterConfig,
    private readonly o: NodeFencingOptions,
  ) {
    this.fencer = fencerFromConfig(cfg, o);
  }

  async fence(target: string, action: 'off' | 'reboot'): Promise<FenceOutcome> {
    const r = await this.fencer.fence(target, action);
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
    return this.fencer.history(target !== undefined ? { target } : undefined);
  }
}
