import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS, type ProcessRunner } from '@vigil/base';
import type { ClusterConfig, FenceDeviceConfig } from '../config/index.js';

/**
 * Interim fencer (until the fencer branch publishes `@vigil/executor`'s): runs fence agents
 * with the standard stdin protocol, trying topology levels in order; a level succeeds when every
 * device in it succeeds. Without a topology entry, each device whose hostMap names the target is
 * a level of its own, in config order. A device's delay (base + random up to max) runs first.
 */
export interface FenceOutcome {
  readonly ok: boolean;
  readonly attempts: { device: string; ok: boolean; reason: string }[];
}

export class Fencer {
  constructor(
    private readonly cfg: ClusterConfig,
    private readonly runner: ProcessRunner,
    private readonly agentDirs: readonly string[],
    private readonly log: (line: string) => void,
  ) {}

  async fence(target: string, action: 'off' | 'reboot'): Promise<FenceOutcome> {
    const devices = this.cfg.fencing.devices;
    const levels: FenceDeviceConfig[][] = (this.cfg.fencing.topology[target] ?? []).map((ids) =>
      ids
        .map((id) => devices.find((d) => d.id === id))
        .filter((d): d is FenceDeviceConfig => d !== undefined),
    );
    if (levels.length === 0)
      for (const d of devices) if (d.hostMap[target] !== undefined) levels.push([d]);
    const attempts: FenceOutcome['attempts'] = [];
    if (levels.length === 0) {
      attempts.push({
        device: '(none)',
        ok: false,
        reason: `no fencing device can fence ${target}`,
      });
      return { ok: false, attempts };
    }
    for (const level of levels) {
      let levelOk = true;
      for (const d of level) {
        const delay = d.delayBaseMs + Math.floor(Math.random() * (d.delayMaxMs + 1));
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        const r = await this.runDevice(d, target, action);
        attempts.push({ device: d.id, ...r });
        this.log(
          `fence ${target} (${action}) with ${d.id}: ${r.ok ? 'ok' : `failed: ${r.reason}`}`,
        );
        if (!r.ok) {
          levelOk = false;
          break;
        }
      }
      if (levelOk) return { ok: true, attempts };
    }
    return { ok: false, attempts };
  }

  private async runDevice(
    d: FenceDeviceConfig,
    target: string,
    action: string,
  ): Promise<{ ok: boolean; reason: string }> {
    const cmd =
      this.agentDirs.map((dir) => join(dir, d.agent)).find((p) => existsSync(p)) ??
      join('/usr/sbin', d.agent);
    const lines = Object.entries({
      ...d.params,
      action,
      plug: d.hostMap[target] ?? target,
      port: d.hostMap[target] ?? target,
    }).map(([k, v]) => `${k}=${v}`);
    try {
      const r = await this.runner.run({
        command: cmd,
        args: [],
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
        stdin: `${lines.join('\n')}\n`,
        timeoutMs: d.timeoutMs,
        maxOutputBytes: LIMITS.maxAgentOutputBytes,
      });
      if (r.timedOut) return { ok: false, reason: `timed out after ${d.timeoutMs} ms` };
      return r.exitCode === 0
        ? { ok: true, reason: '' }
        : { ok: false, reason: `exit ${r.exitCode ?? r.signal}: ${r.stderr.trim().slice(0, 200)}` };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }
}
