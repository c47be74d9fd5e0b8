/**
 * Phase 2, apply node criteria: for every resource, the score of each node from the cluster's
 * symmetry, location constraints (and their rules), node availability, failcounts against
 * migration-threshold, and probes that found the agent missing. Each contribution keeps its cause.
 */
import { INFINITY, addScores, formatScore, parseScore } from '../score.js';
import type { WorkingSet, WsNode, WsResource } from '../working-set.js';
import { activeNodes, primitivesOf } from '../working-set.js';
import { ticketUsable } from '../constraints/ticket.js';
import { applyNodeHealth, nodeHealth } from './node-health.js';

function addCause(r: WsResource, node: string, score: number, why: string): void {
  r.allowed.set(node, addScores(r.allowed.get(node) ?? 0, score));
  r.causes.push({ node, score, why });
}

/** Whether a node may host any resource at all right now, and if not, why. */
export function nodeUnavailable(ws: WorkingSet, n: WsNode): string | undefined {
  if (n.unclean) return `node ${n.name} is unclean`;
  if (!n.online) return `node ${n.name} is offline`;
  if (n.standby) return `node ${n.name} is in standby`;
  if (n.shutdown) return `node ${n.name} is shutting down`;
  return undefined;
}

/** Failcount at or above migration-threshold and not expired by failure-timeout. */
export function failureBan(ws: WorkingSet, r: WsResource, node: string): number | undefined {
  const fc = r.failcounts.get(node);
  if (!fc || fc.count <= 0) return undefined;
  // Failures of operations with on-fail=ignore are pretended away: they ban nothing.
  const h = r.history.get(node);
  if (h?.ignoredFailure === true && !h.failed) return undefined;
  const thresholdText = r.meta.get('migration-threshold');
  const threshold = thresholdText === undefined ? INFINITY : parseScore(thresholdText, INFINITY);
  if (threshold <= 0) return undefined;
  const timeout = r.meta.get('failure-timeout');
  if (timeout !== undefined) {
    const t = Number.parseInt(timeout, 10);
    if (t > 0 && fc.lastFailure > 0 && ws.nowSec >= fc.lastFailure + t) return undefined;
  }
  return fc.count >= threshold ? fc.count : undefined;
}

/**
 * A hard error recorded on the node against the primitive or, for an anonymous clone, against
 * any of its instances (they are interchangeable).
 */
function hardErrorOn(r: WsResource, node: string): number | undefined {
  const own = (p: WsResource): number | undefined => {
    const h = p.history.get(node);
    if (h?.hardError !== undefined && h.failed) return h.hardError;
    return p.probedOn.get(node)?.hardError;
  };
  const mine = own(r);
  if (mine !== undefined || r.kind !== 'primitive') return mine;
  const clone = r.parent?.kind === 'clone' ? r.parent : undefined;
  if (!clone || clone.clone?.unique === true) return undefined;
  for (const inst of clone.children) {
    if (inst.kind !== 'primitive' || inst === r) continue;
    const v = own(inst);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The resource and the clones above it, up to the nearest group (a group carries its own). */
function ancestors(r: WsResource): WsResource[] {
  const out: WsResource[] = [r];
  for (let p = r.parent; p; p = p.parent) {
    if (p.kind === 'group') break;
    out.push(p);
  }
  return out;
}

/** Ticket constraints on the resource or any resource above it. */
function ticketsFor(ws: WorkingSet, r: WsResource): WorkingSet['ticketConstraints'] {
  if (ws.ticketConstraints.length === 0) return [];
  const ids = new Set<string>();
  for (let p: WsResource | undefined = r; p; p = p.parent) ids.add(templateId(p.id));
  return ws.ticketConstraints.filter((t) => ids.has(t.rsc));
}

function templateId(id: string): string {
  return id.indexOf(':') < 0 ? id : id.replace(/:\d+$/, '');
}

/**
 * no-quorum-policy=suicide: a partition that had quorum and lost it fences every node in it
 * (the online ones), provided fencing is enabled. Nothing may then run anywhere.
 */
export function applyQuorumSuicide(ws: WorkingSet): void {
  const o = ws.options;
  if (o.haveQuorum || o.noQuorumPolicy !== 'suicide' || !o.noQuorumPanic || !o.stonithEnabled)
    return;
  for (const n of ws.nodes) {
    if (!n.online || n.unclean) continue;
    n.unclean = true;
    n.suicide = true;
    n.fenceReason = 'cluster does not have quorum';
  }
}

export function applyNodeCriteria(ws: WorkingSet): void {
  applyQuorumSuicide(ws);
  const locByRsc = new Map<string, typeof ws.locations>();
  for (const l of ws.locations) {
    const list = locByRsc.get(l.rsc) ?? [];
    list.push(l);
    locByRsc.set(l.rsc, list);
  }
  // Node availability does not depend on the resource: once per node.
  const unavailable = ws.nodes.map((n) => nodeUnavailable(ws, n));
  const health = ws.nodes.map((n) => nodeHealth(ws, n));
  for (const r of ws.byId.values()) {
    r.allowed.clear();
    if (ws.options.symmetric) {
      for (const n of ws.nodes) r.allowed.set(n.name, 0);
    }
    for (const a of ancestors(r)) {
      for (const l of locByRsc.get(templateId(a.id)) ?? []) {
        if (l.role !== undefined && l.role !== 'Started') continue;
        for (const [node, score] of l.scores) {
          addCause(r, node, score, `location constraint ${l.id} (${formatScore(score)})`);
        }
      }
    }
    applyNodeHealth(ws, r, health);
    for (const t of ticketsFor(ws, r)) {
      if (ticketUsable(ws, t.ticket)) continue;
      // A ticket needed only to be promoted stops everything only with loss-policy=stop.
      if (t.role === 'Promoted' && t.lossPolicy !== 'stop') continue;
      if (t.lossPolicy === 'freeze') {
        // Running copies stay where they are; nothing new starts.
        const cur = primitivesOf(r).flatMap((p) => activeNodes(p));
        for (const n of r.allowed.keys()) {
          if (cur.includes(n)) continue;
          r.allowed.set(n, -INFINITY);
          r.causes.push({
            node: n,
            score: -INFINITY,
            why: `ticket ${t.ticket} is not granted (loss-policy=freeze)`,
          });
        }
        continue;
      }
      for (const n of r.allowed.keys()) {
        r.allowed.set(n, -INFINITY);
        r.causes.push({
          node: n,
          score: -INFINITY,
          why: `ticket ${t.ticket} is not granted (${t.id})`,
        });
      }
    }
    const stopOnFail = [...r.history.values()].some(
      (h) => h.failed && (h.onFail === 'stop' || h.fatal === true),
    );
    if (stopOnFail) {
      for (const n of r.allowed.keys()) {
        r.allowed.set(n, -INFINITY);
        r.causes.push({ node: n, score: -INFINITY, why: `${r.id} failed with on-fail=stop` });
      }
    }
    if (r.kind === 'primitive' && r.meta.get('target-role')?.toLowerCase() === 'stopped') {
      for (const n of r.allowed.keys()) {
        r.allowed.set(n, -INFINITY);
        r.causes.push({ node: n, score: -INFINITY, why: `${r.id} has target-role=Stopped` });
      }
    }
    for (let ni = 0; ni < ws.nodes.length; ni++) {
      const n = ws.nodes[ni]!;
      const why = unavailable[ni];
      if (why !== undefined && r.allowed.has(n.name)) {
        r.allowed.set(n.name, -INFINITY);
        r.causes.push({ node: n.name, score: -INFINITY, why });
      }
      if (r.kind === 'primitive') {
        const fc = failureBan(ws, r, n.name);
        if (fc !== undefined) {
          r.allowed.set(n.name, -INFINITY);
          r.causes.push({
            node: n.name,
            score: -INFINITY,
            why: `${r.id} failed ${formatScore(fc)} time(s) there, reaching its migration-threshold`,
          });
        }
        const hard = hardErrorOn(r, n.name);
        if (hard !== undefined) {
          r.allowed.set(n.name, -INFINITY);
          r.causes.push({
            node: n.name,
            score: -INFINITY,
            why: `a hard error (rc ${hard}) happened on ${n.name}: it may not run there until cleaned up`,
          });
        }
        if (
          r.history.get(n.name)?.notInstalled === true ||
          r.probedOn.get(n.name)?.notInstalled === true
        ) {
          r.allowed.set(n.name, -INFINITY);
          r.causes.push({
            node: n.name,
            score: -INFINITY,
            why: `the agent is not installed on ${n.name}`,
          });
        }
      }
    }
  }
}
