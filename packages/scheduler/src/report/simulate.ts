/**
 * The full `vigil simulate` text, laid out like `crm_simulate -S`: current status, allocation
 * scores (optional), Transition Summary, the executed actions in dependency order, and the
 * status after the simulated transition.
 */
import type { Transition } from '../schedule.js';
import type { TransitionGraph } from '../phases/graph.js';
import { formatScore } from '../score.js';
import { formatSummaryLines } from './summary.js';
import { currentView, formatStatus, revisedView } from './status.js';

export interface SimulateTextOptions {
  readonly showScores?: boolean;
  /** Printed first, like crm_simulate's "Using the original execution date of: …". */
  readonly preamble?: readonly string[];
}

/** Actions in an order that respects every edge (ties by creation order). */
export function topologicalActions(g: TransitionGraph): number[] {
  const indeg = new Map<number, number>();
  const next = new Map<number, number[]>();
  for (const a of g.actions) indeg.set(a.id, 0);
  for (const e of g.edges) {
    indeg.set(e.after, (indeg.get(e.after) ?? 0) + 1);
    const l = next.get(e.before) ?? [];
    l.push(e.after);
    next.set(e.before, l);
  }
  const ready = g.actions.filter((a) => indeg.get(a.id) === 0).map((a) => a.id);
  const out: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const id = ready.shift()!;
    out.push(id);
    for (const n of next.get(id) ?? []) {
      const d = (indeg.get(n) ?? 0) - 1;
      indeg.set(n, d);
      if (d === 0) ready.push(n);
    }
  }
  return out;
}

export function scoreLines(t: Transition): string[] {
  const out: string[] = [];
  for (const r of t.ws.byId.values()) {
    const scores = r.finalScores;
    if (!scores) continue;
    const fn =
      r.kind === 'group'
        ? 'pcmk__group_assign'
        : r.kind === 'clone'
          ? 'pcmk__clone_assign'
          : 'pcmk__primitive_assign';
    for (const [node, s] of [...scores].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push(`${fn}: ${r.id} allocation score on ${node}: ${formatScore(s)}`);
    }
  }
  return out;
}

export function simulateText(t: Transition, opts: SimulateTextOptions = {}): string {
  const out: string[] = [...(opts.preamble ?? [])];
  out.push('Current cluster status:', ...formatStatus(t.ws, currentView(t.ws)), '');
  if (opts.showScores === true) out.push('Allocation scores:', ...scoreLines(t), '');
  out.push('Transition Summary:', ...formatSummaryLines(t.summary), '');
  out.push('Executing Cluster Transition:');
  for (const id of topologicalActions(t.graph)) {
    const a = t.graph.actions[id]!;
    if (!a.runnable) continue;
    if (a.task === 'stonith')
      out.push(`  * Fencing ${a.node ?? ''} (${t.ws.options.stonithAction})`);
    else if (a.pseudo) out.push(`  * Pseudo action:   ${a.rsc ?? ''}_${a.task}_0`);
    else out.push(`  * Resource action: ${(a.rsc ?? '').padEnd(15)} ${a.task} on ${a.node ?? ''}`);
  }
  out.push('');
  const fenced = t.actions.fences.map((f) => f.node);
  out.push(
    'Revised Cluster Status:',
    ...formatStatus(t.ws, revisedView(t.ws, t.actions.plans, fenced)),
  );
  return out.join('\n') + '\n';
}
