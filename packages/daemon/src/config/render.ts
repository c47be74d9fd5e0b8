import { stringify } from 'yaml';
import { DEFAULT_PORT, DEFAULT_TIMING } from './schema.js';
import { parseLink } from './validate.js';
import { VigilError } from '@vigil/base';

/**
 * Parses `vigil init --nodes a=ADDR,b=ADDR2|ADDR3,…`: each node name, then one or more link
 * addresses separated by `|`. Throws VGL_E_USAGE naming the bad item.
 */
export function parseNodesArg(spec: string): { name: string; links: string[] }[] {
  const out: { name: string; links: string[] }[] = [];
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) {
      throw new VigilError('VGL_E_USAGE', `--nodes: '${item}' is not NAME=ADDRESS[|ADDRESS…]`);
    }
    const name = item.slice(0, eq);
    const links = item.slice(eq + 1).split('|');
    for (const l of links) {
      let why = '';
      parseLink(l, [], (_p, m) => (why = m));
      if (why !== '') throw new VigilError('VGL_E_USAGE', `--nodes: node '${name}': ${why}`);
    }
    out.push({
      name,
      links: links.map((l) => (l.includes(':') && !l.endsWith(']') ? l : `${l}:${DEFAULT_PORT}`)),
    });
  }
  if (out.length === 0) throw new VigilError('VGL_E_USAGE', '--nodes lists no node');
  return out;
}

/** A commented starting config: what `vigil init` writes. */
export function renderInitialConfig(o: {
  cluster: string;
  nodes: { name: string; links: string[] }[];
  authkey: string;
  stateDir: string;
  socket: string;
}): string {
  const body = stringify(
    {
      cluster: o.cluster,
      authkey: o.authkey,
      stateDir: o.stateDir,
      socket: o.socket,
      nodes: o.nodes.map((n) => ({ name: n.name, links: n.links })),
      timing: { ...DEFAULT_TIMING },
      stonithEnabled: false,
      noQuorumPolicy: 'stop',
    },
    { lineWidth: 100 },
  );
  return (
    `# vigil cluster configuration, written by \`vigil init\`. The same file goes on every node.\n` +
    `# stonithEnabled is false until you add fencing devices: without fencing, a node that\n` +
    `# stops answering is assumed dead, which is safe only if it really is. Add devices under\n` +
    `# fencing.devices, or as stonith resources in the CIB (\`vigil resource create ID\n` +
    `# stonith:fence_NAME …\` or \`vigil config import\` of a Pacemaker CIB), and set\n` +
    `# stonithEnabled: true for production.\n` +
    body
  );
}
