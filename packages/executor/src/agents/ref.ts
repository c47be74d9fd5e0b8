import { VigilError } from '@vigil/base';

/** Which agent to run: `ocf:PROVIDER:TYPE`, `lsb:NAME`, `systemd:UNIT` or `service:NAME`. */
export type AgentRef =
  | { readonly cls: 'ocf'; readonly provider: string; readonly type: string }
  | { readonly cls: 'lsb'; readonly type: string }
  | { readonly cls: 'systemd'; readonly type: string }
  | { readonly cls: 'service'; readonly type: string };

export type AgentClass = AgentRef['cls'];
export const AGENT_CLASSES: readonly AgentClass[] = ['ocf', 'lsb', 'systemd', 'service'];

const NAME = /^[A-Za-z0-9][-A-Za-z0-9_.@+]*$/;

/** Parses an agent spec; a bare `TYPE` is not accepted (the class matters). */
export function parseAgentRef(spec: string): AgentRef {
  const parts = spec.split(':');
  const bad = (why: string): never => {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `agent '${spec}': ${why} (expected ocf:PROVIDER:TYPE, lsb:NAME, systemd:UNIT or service:NAME)`,
      { agent: spec },
    );
  };
  const cls = parts[0];
  const check = (s: string | undefined, what: string): string => {
    if (s === undefined || !NAME.test(s)) return bad(`invalid ${what} '${s ?? ''}'`);
    return s;
  };
  switch (cls) {
    case 'ocf':
      if (parts.length !== 3) return bad('an ocf agent has a provider and a type');
      return { cls, provider: check(parts[1], 'provider'), type: check(parts[2], 'type') };
    case 'lsb':
    case 'systemd':
    case 'service':
      if (parts.length !== 2) return bad(`a ${cls} agent has exactly one name`);
      return { cls, type: check(parts[1], 'name') };
    case undefined:
    default:
      return bad(`unknown class '${cls ?? ''}'`);
  }
}

export function formatAgentRef(a: AgentRef): string {
  return a.cls === 'ocf' ? `ocf:${a.provider}:${a.type}` : `${a.cls}:${a.type}`;
}
