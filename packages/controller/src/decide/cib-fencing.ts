import type { Configuration } from '@vigil/cib';
import { fenceDevicePrimitives, nodeSettings } from './config-model.js';

/**
 * The CIB's fencing configuration as the DC's fencer takes it: Pacemaker's stonith resources and
 * `fencing-topology`, read from the replicated configuration (pure).
 *
 * - A fence device is a top-level primitive of class `stonith`: its `type` is the agent
 *   (`fence_ipmilan`), its instance attributes (evaluated without a node, template and
 *   rsc_defaults applied as for any primitive) are the agent's parameters and the fencer's
 *   `pcmk_*` / `priority` attributes, exactly as `@vigil/executor`'s `FenceDeviceSpec` takes
 *   them. `target-role=Stopped` (its own meta or rsc_defaults) disables it: kept, not used.
 * - A `fencing-level` becomes one level: `target` as it is, `target-pattern` as a pattern
 *   (a regular expression on node names), `target-attribute`/`target-value` as one level per node
 *   whose permanent attribute (the nodes section) has that value, at the time of reading. Its
 *   `devices` is the comma-separated device list.
 *
 * Whether the fencer accepts a device (known agent, valid `pcmk_*` attributes, levels naming
 * known devices) is checked by the daemon, which owns the fencer; `problems` lists only what is
 * malformed here.
 */
export interface CibFenceDevice {
  readonly id: string;
  /** The primitive's `type`: `fence_NAME`. */
  readonly agent: string;
  readonly params: Readonly<Record<string, string>>;
  /** `target-role=Stopped`: kept in the configuration, not used to fence. */
  readonly disabled: boolean;
  /** Its `op monitor` (the first one with an interval), which the DC runs on the device. */
  readonly monitor?: { readonly intervalMs: number; readonly timeoutMs: number };
}

export interface CibFenceLevel {
  /** The `fencing-level` element's id. */
  readonly id: string;
  readonly index: number;
  readonly target?: string;
  readonly targetPattern?: string;
  readonly devices: readonly string[];
  /** Set when this level is one node's part of a `target-attribute` level: `name=value`. */
  readonly byAttribute?: string;
}

export interface CibFencing {
  readonly devices: readonly CibFenceDevice[];
  readonly levels: readonly CibFenceLevel[];
  /** Malformed parts, each naming its element. */
  readonly problems: readonly string[];
}

/** Most `fencing-level` elements a configuration may hold (nine levels for 100+ nodes). */
export const MAX_FENCING_LEVELS = 1024;

export function cibFencing(config: Configuration): CibFencing {
  const problems: string[] = [];
  if (config.fencingTopology.length > MAX_FENCING_LEVELS)
    problems.push(
      `fencing-topology: ${config.fencingTopology.length} levels, at most ${MAX_FENCING_LEVELS}`,
    );
  const devices: CibFenceDevice[] = fenceDevicePrimitives(config).map((p) => ({
    id: p.id,
    agent: p.type,
    params: p.params,
    disabled: (p.meta['target-role'] ?? '').toLowerCase() === 'stopped',
    ...(p.ops[0] !== undefined
      ? { monitor: { intervalMs: p.ops[0].intervalMs, timeoutMs: p.ops[0].timeoutMs } }
      : {}),
  }));
  const levels: CibFenceLevel[] = [];
  for (const l of config.fencingTopology) {
    const where = `fencing-level ${l.id}`;
    const index = Number(l.index);
    if (l.index === undefined || !/^[0-9]+$/.test(l.index) || index < 1 || index > 9) {
      problems.push(`${where}: index must be an integer from 1 to 9`);
      continue;
    }
    const devs = (l.devices ?? '').split(',').map((d) => d.trim());
    if (devs.some((d) => d === '')) {
      problems.push(`${where}: devices '${l.devices ?? ''}' has an empty entry`);
      continue;
    }
    const base = { id: l.id, index, devices: devs };
    const kinds = [l.target, l.targetPattern, l.targetAttribute].filter((x) => x !== undefined);
    if (kinds.length !== 1) {
      problems.push(`${where}: needs exactly one of target, target-pattern, target-attribute`);
      continue;
    }
    if (l.target !== undefined) levels.push({ ...base, target: l.target });
    else if (l.targetPattern !== undefined)
      levels.push({ ...base, targetPattern: l.targetPattern });
    else if (l.targetAttribute !== undefined) {
      const name = l.targetAttribute;
      if (l.targetValue === undefined) {
        problems.push(`${where}: target-attribute ${name} needs target-value`);
        continue;
      }
      for (const n of config.nodes)
        if (nodeSettings(config, n.uname).attributes[name] === l.targetValue)
          levels.push({ ...base, target: n.uname, byAttribute: `${name}=${l.targetValue}` });
    }
  }
  return { devices, levels, problems };
}

/**
 * A stable text of what the fencer is built from, so a change elsewhere in the configuration
 * (a resource, a constraint) does not rebuild it.
 */
export function cibFencingKey(f: CibFencing): string {
  return JSON.stringify({
    d: f.devices.map((d) => [
      d.id,
      d.agent,
      d.disabled,
      Object.entries(d.params).sort(),
      d.monitor?.intervalMs,
      d.monitor?.timeoutMs,
    ]),
    l: f.levels.map((l) => [l.id, l.index, l.target, l.targetPattern, l.devices]),
    p: f.problems,
  });
}
