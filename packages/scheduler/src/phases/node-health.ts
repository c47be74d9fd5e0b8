/**
 * Node health (node-health-strategy): node attributes named `#health-*` say red, yellow, green or
 * give a score. migrate-on-red keeps resources off red nodes, only-green off red and yellow ones,
 * progressive and custom add node-health-red/yellow/green (and progressive node-health-base) for
 * each attribute. A resource with allow-unhealthy-nodes=true ignores all of it.
 */
import { addScores, formatScore, parseScore } from '../score.js';
import type { WorkingSet, WsNode, WsResource } from '../working-set.js';

/** The node's health score under the configured strategy, and the attributes behind it. */
export function nodeHealth(ws: WorkingSet, n: WsNode): { score: number; why: string } | undefined {
  const h = ws.options.nodeHealth;
  if (!h) return undefined;
  let score = h.base;
  const seen: string[] = [];
  for (const [k, v] of n.attrs) {
    if (!k.startsWith('#health')) continue;
    const c = v.toLowerCase();
    const s =
      c === 'red' ? h.red : c === 'yellow' ? h.yellow : c === 'green' ? h.green : parseScore(v, 0);
    score = addScores(score, s);
    seen.push(`${k}=${v}`);
  }
  if (seen.length === 0 || score === 0) return undefined;
  return {
    score,
    why: `node health ${formatScore(score)} (${seen.join(', ')}, node-health-strategy=${h.strategy})`,
  };
}

function allowsUnhealthy(r: WsResource): boolean {
  const v = r.meta.get('allow-unhealthy-nodes');
  return v !== undefined && ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
}

/** Adds each node's health score to the resource's allowed nodes. */
export function applyNodeHealth(
  ws: WorkingSet,
  r: WsResource,
  health: readonly ({ score: number; why: string } | undefined)[],
): void {
  if (!ws.options.nodeHealth || allowsUnhealthy(r)) return;
  // Like a location constraint: a group carries it for its members.
  if (r.parent?.kind === 'group') return;
  ws.nodes.forEach((n, i) => {
    const h = health[i];
    const cur = r.allowed.get(n.name);
    if (!h || cur === undefined) return;
    r.allowed.set(n.name, addScores(cur, h.score));
    r.causes.push({ node: n.name, score: h.score, why: h.why });
  });
}
