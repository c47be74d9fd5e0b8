/**
 * The full `vigil simulate` text, laid out like `crm_simulate -S`: current status, allocation
 * scores (optional), Transition Summary, the executed actions in dependency order, and the
 * status after the simulated transition.
 */
import type { Transition } from '../schedule.js';
import type { GraphAction, TransitionGraph } from '../phases/graph.js';
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
  // A binary min-heap of ready action ids: the smallest id first, in O(log n) per action.
  const heap: number[] = [];
  const push = (x: number): void => {
    let i = heap.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= x) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = x;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  for (const a of g.actions) if (indeg.get(a.id) === 0) push(a.id);
  const out: number[] = [];
  while (heap.length > 0) {
    const id = pop();
    out.push(id);
    for (const n of next.get(id) ?? []) {
      const d = (indeg.get(n) ?? 0) - 1;
      indeg.set(n, d);
      if (d === 0) push(n);
    }
  }
  return out;
}

/** Extracts the "Executing Cluster Transition" lines of a crm_simulate output (notices dropped). */
export function extractExecutedActions(text: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('Executing Cluster Transition:')) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.startsWith('Revised Cluster Status:')) break;
    if (!line.startsWith('  * ')) continue;
    out.push(line);
  }
  return out;
}

/** Same actions as a multiset, whitespace ignored (the order is one of many the graph allows). */
export function sameActionMultiset(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]): string[] =>
    l
      .map((x) => x.replace(/\s+/g, ''))
      .filter((x) => x !== '')
      .sort();
  const na = norm(a);
  const nb = norm(b);
  return na.length === nb.length && na.every((l, i) => l === nb[i]);
}

/** One "Executing Cluster Transition" line, as crm_simulate prints it. */
export function executedLine(a: GraphAction): string {
  if (a.task === 'stonith')
    return `  * Fencing ${a.node ?? ''} (${a.meta?.stonith_action ?? 'reboot'})`;
  if (a.pseudo) return `  * Pseudo action:   ${a.key}`;
  if (a.task === 'do_shutdown' || a.task === 'lrm_delete')
    return `  * Cluster action:  ${a.task} on ${a.node ?? ''}`;
  if (a.task === 'clear_failcount')
    return `  * Cluster action:  ${a.task} for ${a.rsc ?? ''} on ${a.node ?? ''}`;
  const task =
    (a.task === 'monitor' && (a.intervalMs ?? 0) > 0) || a.task === 'cancel'
      ? `${a.task}=${a.intervalMs ?? 0}`
      : a.task;
  return `  * Resource action: ${(a.rsc ?? '').padEnd(15)} ${task} on ${a.node ?? ''}`;
}

export function scoreLines(t: Transition): string[] {
  const out: string[] = [];
  for (const r of t.ws.byId.values()) {
    if (r.promotion && typeof r.assigned === 'string')
      out.push(`${r.id} promotion score on ${r.assigned}: ${formatScore(r.promotion.score)}`);
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
  // Appended line by line: spreading 100 000 lines into push() overflows the stack.
  const add = (lines: readonly string[]): void => {
    for (const l of lines) out.push(l);
  };
  out.push('Current cluster status:');
  add(formatStatus(t.ws, currentView(t.ws)));
  out.push('');
  if (opts.showScores === true) {
    out.push('Allocation scores:');
    add(scoreLines(t));
    out.push('');
  }
  out.push('Transition Summary:');
  add(formatSummaryLines(t.summary));
  out.push('');
  out.push('Executing Cluster Transition:');
  for (const id of topologicalActions(t.graph)) {
    const a = t.graph.actions[id]!;
    if (a.runnable) out.push(executedLine(a));
  }
  out.push('');
  const fenced = t.actions.fences.map((f) => f.node);
  out.push('Revised Cluster Status:');
  add(formatStatus(t.ws, revisedView(t.ws, t.actions.plans, fenced)));
  return out.join('\n') + '\n';
}
