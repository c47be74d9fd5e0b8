import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  LIMITS,
  VigilError,
  type ProcessResult,
  type ProcessRunner,
  type ProcessSpec,
} from '@vigil/base';
import type { AgentHost } from '../host.js';
import { baseEnv, buildOcfEnv, extractExitReason, type NotifyInfo } from './env.js';
import { EXEC_RC, OCF_RC, lsbStatusToOcf, rcName } from './rc.js';
import { formatAgentRef, parseAgentRef, type AgentRef } from './ref.js';

/** A resource as the executor sees it: an instance of an agent with its parameters. */
export interface ResourceSpec {
  /** Resource instance name; clone instances carry `:N`. */
  readonly id: string;
  readonly agent: AgentRef | string;
  readonly params?: Readonly<Record<string, string>>;
  readonly meta?: Readonly<Record<string, string>>;
}

export interface OperationSpec {
  readonly action: string;
  /** 0 for one-shot actions and probes. */
  readonly intervalMs?: number;
  readonly timeoutMs: number;
  readonly checkLevel?: number;
  readonly notify?: NotifyInfo;
}

/** The typed result of one action. `rc` is the agent's (OCF-mapped) rc or an EXEC_RC outcome. */
export interface ActionResult {
  readonly resourceId: string;
  readonly agent: string;
  readonly action: string;
  readonly intervalMs: number;
  readonly rc: number;
  readonly rcName: string;
  /** The rc as the agent returned it, before class mapping (LSB status); null if killed. */
  readonly rawExitCode: number | null;
  readonly exitReason?: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
}

const ACTION = /^[a-z][a-z0-9-]*$/;

/** True where systemd is the running init (the documented sd_booted() test). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `service:NAME` to the class that applies on this machine. */
export function resolveService(ref: AgentRef, host: AgentHost): AgentRef {
  if (ref.cls !== 'service') return ref;
  if (systemdRunning()) return { cls: 'systemd', type: ref.type };
  if (executable(join(host.initDir, ref.type))) return { cls: 'lsb', type: ref.type };
  throw new VigilError(
    'VGL_E_NOT_FOUND',
    `service:${ref.type}: no systemd on this machine and no ${join(host.initDir, ref.type)}`,
    { agent: `service:${ref.type}` },
  );
}

export function ocfAgentPath(host: AgentHost, provider: string, type: string): string {
  return join(host.ocfRoot, 'resource.d', provider, type);
}

interface Plan {
  readonly spec: ProcessSpec;
  readonly mapRc: (code: number) => number;
  /** Set when the result is known without running anything (LSB meta-data). */
  readonly synthetic?: string;
}

function plan(ref: AgentRef, host: AgentHost, res: ResourceSpec, op: OperationSpec): Plan {
  const timeoutMs = op.timeoutMs;
  const maxOutputBytes = LIMITS.maxAgentOutputBytes;
  const intervalMs = op.intervalMs ?? 0;
  switch (ref.cls) {
    case 'ocf':
      return {
        spec: {
          command: ocfAgentPath(host, ref.provider, ref.type),
          args: [op.action],
          env: buildOcfEnv({
            host,
            provider: ref.provider,
            type: ref.type,
            instance: res.id,
            params: res.params ?? {},
            meta: res.meta ?? {},
            action: op.action,
            intervalMs,
            timeoutMs,
            ...(op.checkLevel !== undefined ? { checkLevel: op.checkLevel } : {}),
            ...(op.notify ? { notify: op.notify } : {}),
          }),
          timeoutMs,
          maxOutputBytes,
        },
        mapRc: (c) => c,
      };
    case 'lsb': {
      const isStatus = op.action === 'monitor' || op.action === 'status';
      const verb = op.action === 'monitor' ? 'status' : op.action;
      return {
        spec: {
          command: join(host.initDir, ref.type),
          args: [verb],
          env: baseEnv(host),
          timeoutMs,
          maxOutputBytes,
        },
        mapRc: isStatus ? lsbStatusToOcf : (c) => c,
        ...(op.action === 'meta-data' ? { synthetic: lsbMetadata(ref.type) } : {}),
      };
    }
    case 'systemd': {
      if (!systemdRunning()) {
        throw new VigilError(
          'VGL_E_UNSUPPORTED',
          `systemd:${ref.type}: systemd is not running on this machine (no /run/systemd/system)`,
          { agent: `systemd:${ref.type}` },
        );
      }
      const unit = /\.[a-z]+$/.test(ref.type) ? ref.type : `${ref.type}.service`;
      const isStatus = op.action === 'monitor' || op.action === 'status';
      const args = isStatus ? ['is-active', unit] : [op.action, unit];
      return {
        spec: { command: 'systemctl', args, env: baseEnv(host), timeoutMs, maxOutputBytes },
        // is-active: 0 active; 3 inactive or failed (told apart by its output, see below).
        mapRc: isStatus ? (c) => (c === 0 ? OCF_RC.SUCCESS : OCF_RC.NOT_RUNNING) : (c) => c,
        ...(op.action === 'meta-data' ? { synthetic: systemdMetadata(ref.type) } : {}),
      };
    }
    case 'service':
      return plan(resolveService(ref, host), host, res, op);
  }
}

function lsbMetadata(name: string): string {
  return `<?xml version="1.0"?>\n<resource-agent name="${name}" version="lsb">\n<version>1.1</version>\n<shortdesc lang="en">LSB init script ${name}</shortdesc>\n<longdesc lang="en">/etc/init.d/${name}, run through its start, stop and status actions.</longdesc>\n<parameters/>\n<actions>\n<action name="start" timeout="15s"/>\n<action name="stop" timeout="15s"/>\n<action name="status" timeout="15s"/>\n<action name="monitor" timeout="15s" interval="15s"/>\n<action name="meta-data" timeout="5s"/>\n</actions>\n</resource-agent>\n`;
}

function systemdMetadata(name: string): string {
  return lsbMetadata(name)
    .replace('version="lsb"', 'version="systemd"')
    .replace(`LSB init script ${name}`, `systemd unit ${name}`)
    .replace(
      `/etc/init.d/${name}, run through its start, stop and status actions.`,
      `systemd unit ${name}, run through systemctl.`,
    );
}

/**
 * Runs one action of one resource to completion and returns its typed result. Never throws for
 * an agent's failure: a missing agent is rc ERR_INSTALLED, a timeout EXEC_RC.TIMEOUT. Throws a
 * VigilError for bad input (malformed agent spec or action) and for unsupported classes.
 */
export async function runAgentAction(
  runner: ProcessRunner,
  host: AgentHost,
  res: ResourceSpec,
  op: OperationSpec,
  abort?: AbortSignal,
  isInstalled: (path: string) => boolean = executable,
): Promise<ActionResult> {
  const ref = typeof res.agent === 'string' ? parseAgentRef(res.agent) : res.agent;
  const agent = formatAgentRef(ref);
  if (!ACTION.test(op.action)) {
    throw new VigilError('VGL_E_INVALID_INPUT', `action '${op.action}' is not a valid action name`);
  }
  if (!Number.isInteger(op.timeoutMs) || op.timeoutMs <= 0) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `timeout ${op.timeoutMs} ms must be a positive integer`,
    );
  }
  const intervalMs = op.intervalMs ?? 0;
  const p = plan(ref, host, res, op);
  const base = { resourceId: res.id, agent, action: op.action, intervalMs };
  if (p.synthetic !== undefined) {
    return {
      ...base,
      rc: 0,
      rcName: rcName(0),
      rawExitCode: 0,
      durationMs: 0,
      timedOut: false,
      stdout: p.synthetic,
      stderr: '',
      outputTruncated: false,
    };
  }
  if (p.spec.command.startsWith('/') && !isInstalled(p.spec.command)) {
    return {
      ...base,
      rc: OCF_RC.ERR_INSTALLED,
      rcName: rcName(OCF_RC.ERR_INSTALLED),
      rawExitCode: null,
      exitReason: `agent ${agent} is not installed (${p.spec.command} is missing or not executable)`,
      durationMs: 0,
      timedOut: false,
      stdout: '',
      stderr: '',
      outputTruncated: false,
    };
  }
  let r: ProcessResult;
  try {
    r = await runner.run(p.spec, abort);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      ...base,
      rc: EXEC_RC.NOT_RUN,
      rcName: rcName(EXEC_RC.NOT_RUN),
      rawExitCode: null,
      exitReason: msg,
      durationMs: 0,
      timedOut: false,
      stdout: '',
      stderr: '',
      outputTruncated: false,
    };
  }
  let rc: number;
  let exitReason = extractExitReason(r.stderr);
  if (r.timedOut) {
    rc = EXEC_RC.TIMEOUT;
    exitReason = `${op.action} did not finish within ${op.timeoutMs} ms; its process group was killed`;
  } else if (r.exitCode === null) {
    rc = abort?.aborted ? EXEC_RC.CANCELLED : EXEC_RC.SIGNALLED;
    exitReason ??= `killed by ${r.signal ?? 'a signal'}`;
  } else {
    rc = p.mapRc(r.exitCode);
    if (ref.cls === 'systemd' && rc === OCF_RC.NOT_RUNNING && r.stdout.trim() === 'failed') {
      rc = OCF_RC.ERR_GENERIC;
      exitReason ??= 'unit is in the failed state';
    }
  }
  return {
    ...base,
    rc,
    rcName: rcName(rc),
    rawExitCode: r.exitCode,
    ...(exitReason !== undefined ? { exitReason } : {}),
    durationMs: r.durationMs,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.stderr,
    outputTruncated: r.outputTruncated,
  };
}
