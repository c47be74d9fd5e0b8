import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/base';
import type { AgentHost } from '../host.js';
import { systemdRunning } from './run-action.js';
import type { AgentClass } from './ref.js';
import { spawnSync } from 'node:child_process';

export interface AgentListing {
  /** `ocf:heartbeat:Dummy`, `lsb:apache2`, … */
  readonly agent: string;
  readonly cls: AgentClass;
}

function executables(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      if (n.startsWith('.')) return false;
      try {
        const st = statSync(join(dir, n));
        return st.isFile() && (st.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    })
    .sort();
}

/** Installed agents of one class, or of every class, sorted. */
export function listAgents(host: AgentHost, cls?: AgentClass): AgentListing[] {
  const out: AgentListing[] = [];
  if (cls === undefined || cls === 'ocf') {
    const root = join(host.ocfRoot, 'resource.d');
    let providers: string[] = [];
    try {
      providers = readdirSync(root).sort();
    } catch {
      // no OCF agents installed
    }
    for (const p of providers) {
      for (const t of executables(join(root, p))) out.push({ agent: `ocf:${p}:${t}`, cls: 'ocf' });
    }
  }
  const lsb = (): string[] =>
    executables(host.initDir).filter((n) => n !== 'README' && n !== 'rc' && n !== 'rcS');
  if (cls === undefined || cls === 'lsb') {
    for (const t of lsb()) out.push({ agent: `lsb:${t}`, cls: 'lsb' });
  }
  if (cls === 'systemd' || (cls === undefined && systemdRunning())) {
    if (!systemdRunning()) {
      throw new VigilError(
        'VGL_E_UNSUPPORTED',
        'systemd is not running on this machine (no /run/systemd/system)',
      );
    }
    const r = spawnSync(
      'systemctl',
      ['list-unit-files', '--type=service', '--no-legend', '--plain'],
      {
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    for (const line of r.stdout.split('\n')) {
      const unit = line.split(/\s+/)[0];
      if (unit?.endsWith('.service') && !unit.includes('@')) {
        out.push({ agent: `systemd:${unit.slice(0, -'.service'.length)}`, cls: 'systemd' });
      }
    }
  }
  if (cls === 'service') {
    if (systemdRunning())
      return listAgents(host, 'systemd').map((a) => ({
        agent: a.agent.replace(/^systemd:/, 'service:'),
        cls: 'service',
      }));
    for (const t of lsb()) out.push({ agent: `service:${t}`, cls: 'service' });
  }
  return out;
}
