import { VigilError } from '@vigil/base';
import { parseDurationMs as parseAnyDurationMs } from '../agents/duration.js';

/**
 * Which nodes a device can fence, and with which plug (Pacemaker's `pcmk_host_map`,
 * `pcmk_host_list` and `pcmk_host_check`, as documented in "Pacemaker Explained").
 */

/** Most entries in one host map or host list. */
export const MAX_HOSTS = 1024;

const NODE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

function checkNode(name: string, where: string): void {
  if (!NODE_RE.test(name)) {
    throw new VigilError(
      'VGL_E_CONFIG',
      `${where}: '${name}' is not a valid node name (letters, digits, '_', '.', '-', '@')`,
      { node: name },
    );
  }
}

/**
 * Parses a host map: `node1:plug1;node2:plug2,plug3`. Entries are separated by `;` or white
 * space, node and plug by `:` or `=`. A plug may itself list several plugs with commas (the agent
 * splits them with its plug separator). Errors name the entry and its position.
 */
export function parseHostMap(text: string, what = 'pcmk_host_map'): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  const entries = text
    .split(/[;\s]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length > MAX_HOSTS) {
    throw new VigilError('VGL_E_LIMIT', `${what} has more than ${MAX_HOSTS} entries`);
  }
  entries.forEach((entry, i) => {
    const where = `${what} entry ${i + 1} '${entry}'`;
    const sep = entry.search(/[:=]/);
    if (sep < 0) {
      throw new VigilError('VGL_E_CONFIG', `${where}: expected node:plug`, { entry });
    }
    const node = entry.slice(0, sep);
    const plug = entry.slice(sep + 1);
    if (node === '') {
      throw new VigilError('VGL_E_CONFIG', `${where}: the node name is empty`, { entry });
    }
    checkNode(node, where);
    if (plug === '' || /[:=]/.test(plug) || plug.split(',').some((p) => p === '')) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `${where}: the plug is empty or malformed (expected node:plug or node:plug1,plug2)`,
        { entry },
      );
    }
    if (map.has(node)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: node '${node}' is mapped twice`, { node });
    }
    map.set(node, plug);
  });
  return map;
}

/** Parses a host list: node names separated by white space, `,` or `;`. Duplicates are refused. */
export function parseHostList(text: string): readonly string[] {
  const names = text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (names.length > MAX_HOSTS) {
    throw new VigilError('VGL_E_LIMIT', `pcmk_host_list has more than ${MAX_HOSTS} entries`);
  }
  const seen = new Set<string>();
  names.forEach((n, i) => {
    checkNode(n, `pcmk_host_list entry ${i + 1}`);
    if (seen.has(n)) {
      throw new VigilError('VGL_E_CONFIG', `pcmk_host_list lists '${n}' twice`, { node: n });
    }
    seen.add(n);
  });
  return names;
}

/** Fence delays and timeouts: a Pacemaker duration of at most a day. */
export function parseFenceDurationMs(text: string, what: string): number {
  return parseAnyDurationMs(text, what, { maxMs: 24 * 3_600_000, code: 'VGL_E_CONFIG' });
}

/**
 * A per-node delay (`pcmk_delay_base`): either one duration for every node, or a map
 * `node1:1s;node2:5s` where unlisted nodes get no delay.
 */
export type DelaySpec =
  | { readonly kind: 'all'; readonly ms: number }
  | { readonly kind: 'per-node'; readonly ms: ReadonlyMap<string, number> };

export function parseDelaySpec(text: string, what: string): DelaySpec {
  if (!/[:=]/.test(text)) return { kind: 'all', ms: parseFenceDurationMs(text, what) };
  const map = new Map<string, number>();
  for (const [node, value] of parseHostMap(text, what)) {
    map.set(node, parseFenceDurationMs(value, `${what} for ${node}`));
  }
  return { kind: 'per-node', ms: map };
}

export function delayFor(spec: DelaySpec, node: string): number {
  return spec.kind === 'all' ? spec.ms : (spec.ms.get(node) ?? 0);
}
