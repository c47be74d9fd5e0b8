import { VigilError } from '@vigil/base';
import {
  delayFor,
  parseDelaySpec,
  parseFenceDurationMs,
  parseHostList,
  parseHostMap,
  type DelaySpec,
} from './host-map.js';
import { checkParam, RESERVED_PARAMS, type AgentAction } from './protocol.js';

/**
 * A fence device as configured: like a Pacemaker `stonith` resource, an agent plus instance
 * attributes. Attributes starting with `pcmk_` (and vigil's own `vigil_`) configure the fencer;
 * every other attribute is passed to the agent on stdin.
 */
export interface FenceDeviceSpec {
  readonly id: string;
  /** `fence_NAME` (looked up in the agent directories) or an absolute path. */
  readonly agent: string;
  readonly params?: Readonly<Record<string, string>>;
}

export type HostCheck = 'static-list' | 'dynamic-list' | 'status' | 'none';
const HOST_CHECKS: readonly HostCheck[] = ['static-list', 'dynamic-list', 'status', 'none'];

/** The actions whose command, timeout and retries a device may override (`pcmk_off_action` …). */
export const DEVICE_ACTIONS = ['off', 'on', 'reboot', 'status', 'monitor', 'list'] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];

/** A validated device: every pcmk_* attribute parsed, the agent's own parameters apart. */
export interface FenceDevice {
  readonly id: string;
  readonly agent: string;
  /** Passed to the agent on stdin. */
  readonly agentParams: Readonly<Record<string, string>>;
  readonly hostMap?: ReadonlyMap<string, string>;
  readonly hostList?: readonly string[];
  /** Undefined: decided from the configuration and the agent's meta-data (see `effectiveHostCheck`). */
  readonly hostCheck?: HostCheck;
  /** `none` sends no plug; undefined: decided from the agent's meta-data. */
  readonly hostArgument?: string;
  readonly delayBase: DelaySpec;
  /** Upper bound of base + random delay, ms; 0 means no random delay. */
  readonly delayMaxMs: number;
  /** The agent action run for each requested action (`pcmk_reboot_action=off` …). */
  readonly actionMap: Readonly<Record<DeviceAction, AgentAction>>;
  /** Per-action timeout in ms, covering every retry. */
  readonly timeoutMs: Readonly<Record<DeviceAction, number>>;
  /** Extra attempts after a failure (not after a timeout), within the timeout. */
  readonly retries: Readonly<Record<DeviceAction, number>>;
  /** Higher is tried first when no topology is configured. */
  readonly priority: number;
  /** `status`: an off is confirmed by the agent's status answering off; `none`: trust the rc. */
  readonly verify: 'status' | 'none';
}

export const DEFAULT_ACTION_TIMEOUT_MS = 60_000;
export const DEFAULT_RETRIES = 2;
export const MAX_RETRIES = 10;

const ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
const AGENT_RE = /^fence_[A-Za-z0-9_-]+$/;

/** Validates a device specification. Every problem is a VGL_E_CONFIG naming the device and attribute. */
export function parseDevice(
  spec: FenceDeviceSpec,
  defaultTimeoutMs = DEFAULT_ACTION_TIMEOUT_MS,
): FenceDevice {
  const where = `fence device '${spec.id}'`;
  if (!ID_RE.test(spec.id)) {
    throw new VigilError('VGL_E_CONFIG', `${where}: invalid id`, { device: spec.id });
  }
  if (!AGENT_RE.test(spec.agent) && !spec.agent.startsWith('/')) {
    throw new VigilError(
      'VGL_E_CONFIG',
      `${where}: agent '${spec.agent}' must be fence_NAME or an absolute path`,
      { device: spec.id, agent: spec.agent },
    );
  }
  const agentParams: Record<string, string> = {};
  const pcmk = new Map<string, string>();
  for (const [name, value] of Object.entries(spec.params ?? {})) {
    if (name.startsWith('pcmk_') || name.startsWith('vigil_') || name === 'priority') {
      pcmk.set(name, value);
      continue;
    }
    if ((RESERVED_PARAMS as readonly string[]).includes(name)) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `${where}: parameter '${name}' is set by the fencer and cannot be configured`,
        { device: spec.id, name },
      );
    }
    try {
      checkParam(name, value);
    } catch (e) {
      throw new VigilError('VGL_E_CONFIG', `${where}: ${(e as Error).message}`, {
        device: spec.id,
        name,
      });
    }
    agentParams[name] = value;
  }
  const take = (name: string): string | undefined => {
    const v = pcmk.get(name);
    pcmk.delete(name);
    return v;
  };
  const wrap = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof VigilError && e.code !== 'VGL_E_CONFIG' && e.code !== 'VGL_E_LIMIT') throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new VigilError('VGL_E_CONFIG', `${where}: ${name}: ${msg}`, {
        device: spec.id,
        attribute: name,
      });
    }
  };

  const mapText = take('pcmk_host_map');
  const listText = take('pcmk_host_list');
  const checkText = take('pcmk_host_check');
  const argText = take('pcmk_host_argument');
  const baseText = take('pcmk_delay_base');
  const maxText = take('pcmk_delay_max');
  const prioText = take('priority');
  const verifyText = take('vigil_verify');

  const hostMap =
    mapText !== undefined ? wrap('pcmk_host_map', () => parseHostMap(mapText)) : undefined;
  const hostList =
    listText !== undefined ? wrap('pcmk_host_list', () => parseHostList(listText)) : undefined;
  if (checkText !== undefined && !(HOST_CHECKS as readonly string[]).includes(checkText)) {
    throw new VigilError(
      'VGL_E_CONFIG',
      `${where}: pcmk_host_check '${checkText}' is not one of ${HOST_CHECKS.join(', ')}`,
      { device: spec.id },
    );
  }
  const hostCheck = checkText as HostCheck | undefined;
  if (hostCheck === 'static-list' && hostMap === undefined && hostList === undefined) {
    throw new VigilError(
      'VGL_E_CONFIG',
      `${where}: pcmk_host_check=static-list needs pcmk_host_list or pcmk_host_map`,
      { device: spec.id },
    );
  }
  if (argText !== undefined) {
    if (argText !== 'none' && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(argText)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: pcmk_host_argument '${argText}' is invalid`, {
        device: spec.id,
      });
    }
    if ((RESERVED_PARAMS as readonly string[]).includes(argText)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: pcmk_host_argument cannot be '${argText}'`, {
        device: spec.id,
      });
    }
  }
  const delayBase =
    baseText !== undefined
      ? wrap('pcmk_delay_base', () => parseDelaySpec(baseText, 'pcmk_delay_base'))
      : ({ kind: 'all', ms: 0 } as const);
  const delayMaxMs =
    maxText !== undefined
      ? wrap('pcmk_delay_max', () => parseFenceDurationMs(maxText, 'pcmk_delay_max'))
      : 0;
  let priority = 0;
  if (prioText !== undefined) {
    if (!/^-?\d{1,9}$/.test(prioText)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: priority '${prioText}' is not an integer`, {
        device: spec.id,
      });
    }
    priority = Number(prioText);
  }
  if (verifyText !== undefined && verifyText !== 'status' && verifyText !== 'none') {
    throw new VigilError('VGL_E_CONFIG', `${where}: vigil_verify must be status or none`, {
      device: spec.id,
    });
  }

  const actionMap = {} as Record<DeviceAction, AgentAction>;
  const timeoutMs = {} as Record<DeviceAction, number>;
  const retries = {} as Record<DeviceAction, number>;
  for (const a of DEVICE_ACTIONS) {
    const cmd = take(`pcmk_${a}_action`);
    if (cmd !== undefined && !(DEVICE_ACTIONS as readonly string[]).includes(cmd)) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `${where}: pcmk_${a}_action '${cmd}' is not one of ${DEVICE_ACTIONS.join(', ')}`,
        { device: spec.id },
      );
    }
    actionMap[a] = (cmd as DeviceAction | undefined) ?? a;
    const t = take(`pcmk_${a}_timeout`);
    timeoutMs[a] =
      t !== undefined
        ? wrap(`pcmk_${a}_timeout`, () => parseFenceDurationMs(t, `pcmk_${a}_timeout`))
        : defaultTimeoutMs;
    if (timeoutMs[a] <= 0) {
      throw new VigilError('VGL_E_CONFIG', `${where}: pcmk_${a}_timeout must be positive`, {
        device: spec.id,
      });
    }
    const r = take(`pcmk_${a}_retries`);
    if (r !== undefined && !/^\d{1,2}$/.test(r)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: pcmk_${a}_retries '${r}' is not a count`, {
        device: spec.id,
      });
    }
    retries[a] = Math.min(r !== undefined ? Number(r) : DEFAULT_RETRIES, MAX_RETRIES);
  }
  if (pcmk.size > 0) {
    const names = [...pcmk.keys()].join(', ');
    throw new VigilError('VGL_E_CONFIG', `${where}: unknown fencer attribute(s) ${names}`, {
      device: spec.id,
      attributes: [...pcmk.keys()],
    });
  }
  return {
    id: spec.id,
    agent: spec.agent,
    agentParams,
    ...(hostMap !== undefined ? { hostMap } : {}),
    ...(hostList !== undefined ? { hostList } : {}),
    ...(hostCheck !== undefined ? { hostCheck } : {}),
    ...(argText !== undefined ? { hostArgument: argText } : {}),
    delayBase,
    delayMaxMs,
    actionMap,
    timeoutMs,
    retries,
    priority,
    verify: verifyText === 'none' ? 'none' : 'status',
  };
}

/**
 * The host check in force: the configured one; else static-list when a host list or map is set;
 * else dynamic-list when the agent supports `list`, else status when it supports `status`, else
 * none (Pacemaker's documented default).
 */
export function effectiveHostCheck(dev: FenceDevice, agentActions: readonly string[]): HostCheck {
  if (dev.hostCheck !== undefined) return dev.hostCheck;
  if (dev.hostList !== undefined || dev.hostMap !== undefined) return 'static-list';
  if (agentActions.includes('list')) return 'dynamic-list';
  if (agentActions.includes('status')) return 'status';
  return 'none';
}

/** Whether the agent's meta-data is needed to run this device (to pick the host check or argument). */
export function needsMetadata(dev: FenceDevice): boolean {
  const checkKnown =
    dev.hostCheck !== undefined || dev.hostList !== undefined || dev.hostMap !== undefined;
  return !checkKnown || dev.hostArgument === undefined;
}

/** The plug for `node` on this device: its host-map entry, else the node name itself. */
export function plugFor(dev: FenceDevice, node: string): string {
  return dev.hostMap?.get(node) ?? node;
}

/** True when the static configuration names `node` (host list or host map). */
export function staticallyListed(dev: FenceDevice, node: string): boolean {
  return (dev.hostList?.includes(node) ?? false) || (dev.hostMap?.has(node) ?? false);
}

/** The static part of the delay before fencing `node`, in ms. */
export function baseDelayMs(dev: FenceDevice, node: string): number {
  return delayFor(dev.delayBase, node);
}
