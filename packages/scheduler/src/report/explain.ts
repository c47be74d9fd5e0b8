/**
 * `vigil explain`: why a resource is placed where it is, or why it is stopped, in plain
 * sentences, with each node's score and what produced it. The structured form (`reasons`,
 * `nodes`) is what tests assert on; `text` is for people.
 */
import type { Transition } from '../schedule.js';
import { INFINITY, formatScore } from '../score.js';
import type { ScoreCause, WsResource } from '../working-set.js';
import { activeNodes, primitivesOf } from '../working-set.js';
import { stickiness } from '../phases/assign.js';
import { failureBan } from '../phases/node-criteria.js';
import { fencingUnavailable } from '../phases/actions.js';
import { explainPromotion } from './explain-promotion.js';

export type ReasonKind =
  | 'location'
  | 'stickiness'
  | 'failure'
  | 'node-state'
  | 'colocation'
  | 'target-role'
  | 'order'
  | 'quorum'
  | 'tie-break'
  | 'not-managed'
  | 'group'
  | 'promotion';

export interface Reason {
  readonly kind: ReasonKind;
  readonly node?: string;
  readonly score?: number;
  readonly text: string;
}

export interface NodeExplanation {
  readonly node: string;
  readonly score: number;
  readonly reasons: Reason[];
}

export interface Explanation {
  readonly rsc: string;
  readonly current: string[];
  readonly next: string | null;
  readonly outcome:
    'start' | 'stop' | 'stay' | 'move' | 'recover' | 'restart' | 'stay-stopped' | 'frozen';
  readonly nodes: NodeExplanation[];
  readonly reasons: Reason[];
  readonly text: string;
}

function kindOf(c: ScoreCause): ReasonKind {
  if (c.why.startsWith('location')) return 'location';
  if (c.why.includes('migration-threshold') || c.why.includes('on-fail')) return 'failure';
  if (c.why.includes('target-role')) return 'target-role';
  if (
    c.why.includes('must run with') ||
    c.why.includes('must not run with') ||
    c.why.startsWith('colocation')
  )
    return 'colocation';
  return 'node-state';
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}

function scoreWord(s: number): string {
  if (s >= INFINITY) return '+INFINITY (must run here)';
  if (s <= -INFINITY) return '-INFINITY (can never run here)';
  return formatScore(s);
}

export function explain(t: Transition, rscId: string): Explanation | undefined {
  const ws = t.ws;
  const r = ws.byId.get(rscId);
  if (!r) return undefined;
  // Explain a primitive; for a group or clone, explain through its first primitive.
  const prims = primitivesOf(r);
  const p: WsResource | undefined = r.kind === 'primitive' ? r : prims[0];
  const plan = p ? t.actions.plans.get(p.id) : undefined;
  const reasons: Reason[] = [];
  const sentences: string[] = [];
  const current = p ? activeNodes(p) : [];
  const next = plan?.next ?? null;
  const subject = r.kind === 'primitive' ? r.id : `${r.id} (through its member ${p?.id ?? '?'})`;

  // Which tables of causes apply: the resource, and the group/clone above it.
  const holders: WsResource[] = [];
  for (let x: WsResource | undefined = p; x; x = x.parent) holders.push(x);
  const nodes: NodeExplanation[] = [];
  // A group member goes where its group goes: the group's table is the one that decided.
  const finalHolder =
    holders.find((h) => h.finalScores !== undefined && h.kind === 'group') ??
    holders.find((h) => h.finalScores !== undefined && h === p) ??
    p;
  const scores = finalHolder?.finalScores ?? p?.allowed ?? new Map<string, number>();
  for (const n of ws.nodes) {
    const nr: Reason[] = [];
    for (const h of holders) {
      for (const c of h.causes) {
        if (c.node !== n.name) continue;
        nr.push({ kind: kindOf(c), node: n.name, score: c.score, text: c.why });
      }
    }
    // A group is placed with the stickiness of every member active on the node.
    const sticky = finalHolder?.kind === 'group' ? primitivesOf(finalHolder) : p ? [p] : [];
    for (const m of sticky) {
      const st = stickiness(m);
      if (st === 0 || !activeNodes(m).includes(n.name)) continue;
      nr.push({
        kind: 'stickiness',
        node: n.name,
        score: st,
        text:
          sticky.length > 1
            ? `resource-stickiness ${formatScore(st)} of ${m.id}: it already runs here`
            : `resource-stickiness ${formatScore(st)}: it already runs here`,
      });
    }
    if (p && current.includes(n.name)) {
      const fc = p.failcounts.get(n.name);
      if (fc && failureBan(ws, p, n.name) === undefined && fc.count > 0) {
        nr.push({
          kind: 'failure',
          node: n.name,
          score: 0,
          text: `it failed ${fc.count} time(s) here, below its migration-threshold`,
        });
      }
    }
    const score = scores.get(n.name);
    nodes.push({
      node: n.name,
      score: score ?? -INFINITY,
      reasons:
        score === undefined && !ws.options.symmetric
          ? [
              {
                kind: 'location',
                node: n.name,
                text: 'the cluster is opt-in (symmetric-cluster=false) and no location constraint enables this node',
              },
              ...nr,
            ]
          : nr,
    });
  }

  let outcome: Explanation['outcome'];
  if (!plan || plan.frozen) {
    outcome = 'frozen';
    reasons.push({
      kind: 'not-managed',
      text:
        plan?.blockedFailure === true
          ? `a failure blocked ${p?.id ?? rscId}: nothing will be done until it is cleaned up`
          : fencingUnavailable(ws)
            ? 'fencing is enabled (stonith-enabled) but no fencing device is configured and there is no watchdog, so the cluster starts and stops nothing'
            : `${p?.id ?? rscId} is not managed (is-managed=false or maintenance), so the cluster leaves it as it is`,
    });
  } else if (next === null || plan.blocked !== undefined) {
    outcome = current.length > 0 ? 'stop' : 'stay-stopped';
  } else if (current.length === 0) outcome = 'start';
  else if (!current.includes(next)) outcome = plan.failed ? 'recover' : 'move';
  else if (plan.failed) outcome = 'recover';
  else if (plan.restart !== undefined) outcome = 'restart';
  else outcome = 'stay';

  const where = current.length === 0 ? 'is not running' : `is running on ${list(current)}`;
  switch (outcome) {
    case 'frozen':
      sentences.push(`${subject} ${where}.`);
      for (const x of reasons)
        if (x.kind === 'not-managed') sentences.push(`Left as is: ${x.text}.`);
      break;
    case 'stay':
      sentences.push(`${subject} ${where} and stays there.`);
      break;
    case 'start':
      sentences.push(`${subject} ${where}; it will be started on ${next!}.`);
      break;
    case 'move':
      sentences.push(`${subject} ${where}; it will move to ${next!}.`);
      break;
    case 'recover':
      sentences.push(`${subject} ${where} but has failed; it will be recovered on ${next!}.`);
      break;
    case 'restart':
      sentences.push(
        `${subject} ${where}; it will be restarted in place because of ${plan!.restart!}.`,
      );
      reasons.push({ kind: 'order', text: `restart required by ${plan!.restart!}` });
      break;
    case 'stop':
    case 'stay-stopped':
      sentences.push(
        `${subject} ${where}; ${outcome === 'stop' ? (plan?.stopBlocked !== undefined ? 'it is to be stopped, but cannot be yet' : 'it will be stopped') : 'it will stay stopped'}.`,
      );
      break;
  }
  if (plan?.stopBlocked !== undefined) {
    reasons.push({ kind: 'order', text: `its stop cannot run: ${plan.stopBlocked}` });
    sentences.push(
      `Its stop cannot run either: it must come after a stop that cannot run (${plan.stopBlocked}; a failure blocked that resource), so for now it stays where it is.`,
    );
  }
  if (plan?.migrationBlocked !== undefined && outcome === 'move') {
    reasons.push({ kind: 'order', text: `no live migration: ${plan.migrationBlocked}` });
    sentences.push(
      `It allows live migration, but it is stopped and started instead: it is ordered after a resource that is itself stopped and started (${plan.migrationBlocked}).`,
    );
  }
  if (plan && plan.blocked !== undefined) {
    const blocked =
      plan.blocked === ''
        ? 'the instance it is ordered after (interleaved) on that node stops'
        : plan.blocked;
    const kind: ReasonKind = blocked.includes('quorum') ? 'quorum' : 'order';
    reasons.push({ kind, text: `its start on ${plan.next ?? '?'} cannot run: ${blocked}` });
    sentences.push(
      kind === 'quorum'
        ? `The cluster has no quorum (no-quorum-policy=${ws.options.noQuorumPolicy}), so it may not start anything that needs quorum.`
        : `It would go to ${plan.next ?? '?'}, but its start cannot run because of an ordering: ${blocked}.`,
    );
  } else if (plan?.stopReason === 'no quorum' && outcome === 'stop') {
    reasons.push({ kind: 'quorum', text: 'no quorum' });
    sentences.push(
      `The cluster has no quorum and no-quorum-policy is ${ws.options.noQuorumPolicy}, so resources are stopped.`,
    );
  }
  if (p?.unassignedReason !== undefined) {
    reasons.push({ kind: 'node-state', text: p.unassignedReason });
    sentences.push(`It may not run anywhere: ${p.unassignedReason}.`);
  }
  if (p && plan?.failed === true) {
    for (const n of current) {
      const h = p.history.get(n);
      if (h?.failed === true && h.failedOp) {
        const op = h.failedOp;
        const opName =
          op.operation === 'monitor' && op.intervalMs === 0
            ? 'probe'
            : op.intervalMs > 0
              ? `${op.operation} (every ${op.intervalMs / 1000}s)`
              : op.operation;
        reasons.push({
          kind: 'failure',
          node: n,
          text: `${opName} failed on ${n} with rc ${op.rc}`,
        });
        sentences.push(
          `Its ${opName} failed on ${n} (return code ${op.rc}, on-fail=${h.onFail ?? 'restart'}).`,
        );
      }
    }
  }

  const sorted = [...nodes].sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1));
  if (outcome !== 'frozen') {
    const usable = sorted.filter((n) => n.score >= 0);
    if (
      usable.length === 0 &&
      (outcome === 'stop' || outcome === 'stay-stopped') &&
      plan?.blocked === undefined
    ) {
      sentences.push(`No node may run it: every node's score is negative.`);
      reasons.push({ kind: 'node-state', text: 'no node has a score of 0 or more' });
    } else if (next !== null && usable.length > 0) {
      const top = usable[0]!;
      const ties = usable.filter((n) => n.score === top.score).map((n) => n.node);
      if (ties.length > 1) {
        sentences.push(
          `${list(ties)} tie at ${formatScore(top.score)}; ${next} was chosen because it had fewer resources placed on it, or already ran it, or comes first by name.`,
        );
        reasons.push({ kind: 'tie-break', node: next, text: `tie between ${ties.join(', ')}` });
      } else sentences.push(`${next} has the highest score (${formatScore(top.score)}).`);
    }
  }
  if (r.kind === 'group' || p?.parent?.kind === 'group') {
    const g = r.kind === 'group' ? r : p!.parent!;
    reasons.push({
      kind: 'group',
      text: `member of group ${g.id}: members run together, in order`,
    });
    sentences.push(
      `As a member of group ${g.id}, it runs on the same node as the members before it and starts after them.`,
    );
  }
  if (p) {
    const promo = explainPromotion(p);
    sentences.push(...promo.sentences);
    reasons.push(...promo.reasons);
  }
  sentences.push('Scores per node (a node needs a score of 0 or more; the highest wins):');
  const body: string[] = [];
  for (const n of sorted) {
    body.push(`  ${n.node}: ${scoreWord(n.score)}`);
    for (const why of n.reasons)
      body.push(`    - ${why.score === undefined ? '' : `${formatScore(why.score)}: `}${why.text}`);
    if (n.reasons.length === 0)
      body.push('    - no constraint, stickiness or failure applies (base score 0)');
    reasons.push(...n.reasons);
  }
  return {
    rsc: rscId,
    current,
    next,
    outcome,
    nodes: sorted,
    reasons,
    text: [...sentences, ...body].join('\n') + '\n',
  };
}
