/**
 * `npm run corpus [-- --rewrite] [-- --case NAME] [-- --group NN] [-- --fail] [-- --graph-fail]`:
 * runs every corpus case, prints per group the summary pass count and the graph match count (the
 * executed actions equal as a multiset), then `graph: match=G total=N` and, last,
 * `corpus: pass=P total=N`. `--rewrite` updates both ratchet lists; `--case` shows one case's
 * expected and actual summaries and actions; `--graph-fail` shows the action differences.
 */
import { writeFileSync } from 'node:fs';
import {
  GRAPH_PASSING_LIST,
  PASSING_LIST,
  corpusDir,
  readCases,
  readPassingList,
  runCase,
} from './corpus-lib.js';

const args = process.argv.slice(2);
const dir = corpusDir();
if (dir === undefined) {
  console.error('corpus: ../shared/pacemaker-scheduler not found (set VIGIL_PCMK_CORPUS)');
  process.exit(66);
}
const nowSec = Math.floor(Date.now() / 1000);
const only = args.includes('--case') ? args[args.indexOf('--case') + 1] : undefined;
const groupFilter = args.includes('--group') ? args[args.indexOf('--group') + 1] : undefined;
const showFails = args.includes('--fail');
const showGraphFails = args.includes('--graph-fail');
const cases = readCases(dir);
const perGroup = new Map<string, { pass: number; graph: number; total: number }>();
const passing: string[] = [];
const graphPassing: string[] = [];

/** Lines only in `a` (multiset difference), whitespace collapsed. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const l of b) {
    const k = l.trim().replace(/\s+/g, ' ');
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const l of a) {
    const k = l.trim().replace(/\s+/g, ' ');
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(k);
  }
  return out;
}

for (const c of cases) {
  if (only !== undefined && c.name !== only) continue;
  if (groupFilter !== undefined && !c.group.startsWith(groupFilter)) continue;
  const r = runCase(dir, c.name, nowSec);
  const g = perGroup.get(c.group) ?? { pass: 0, graph: 0, total: 0 };
  g.total++;
  if (r.pass) {
    g.pass++;
    passing.push(c.name);
  }
  if (r.graphPass) {
    g.graph++;
    graphPassing.push(c.name);
  }
  perGroup.set(c.group, g);
  if (only !== undefined || (showFails && !r.pass)) {
    console.log(`== ${c.name} (${c.group}) ${r.pass ? 'PASS' : 'FAIL'}`);
    console.log('expected:\n' + r.expected.join('\n'));
    console.log('actual:\n' + r.actual.join('\n'));
    if (r.error !== undefined) console.log(r.error);
  }
  if (only !== undefined || (showGraphFails && !r.graphPass)) {
    console.log(`== ${c.name} (${c.group}) graph ${r.graphPass ? 'MATCH' : 'DIFFERS'}`);
    if (only !== undefined) console.log('expected actions:\n' + r.expectedActions.join('\n'));
    for (const l of minus(r.expectedActions, r.actualActions)) console.log(`  missing: ${l}`);
    for (const l of minus(r.actualActions, r.expectedActions)) console.log(`  extra:   ${l}`);
    if (r.error !== undefined) console.log(r.error);
  }
}
let pass = 0;
let graph = 0;
let total = 0;
for (const [g, s] of [...perGroup].sort()) {
  console.log(
    `${g.padEnd(28)} ${String(s.pass).padStart(3)}/${s.total}   graph ${String(s.graph).padStart(3)}/${s.total}`,
  );
  pass += s.pass;
  graph += s.graph;
  total += s.total;
}
if (args.includes('--rewrite')) {
  writeFileSync(PASSING_LIST, passing.sort().join('\n') + '\n');
  writeFileSync(GRAPH_PASSING_LIST, graphPassing.sort().join('\n') + '\n');
  console.log(`wrote ${passing.length} names to ${PASSING_LIST}`);
  console.log(`wrote ${graphPassing.length} names to ${GRAPH_PASSING_LIST}`);
} else if (only === undefined && groupFilter === undefined) {
  const lost = readPassingList().filter((n) => !passing.includes(n));
  if (lost.length > 0)
    console.log(`regressed (on the ratchet list, now failing): ${lost.join(' ')}`);
  const lostGraph = readPassingList(GRAPH_PASSING_LIST).filter((n) => !graphPassing.includes(n));
  if (lostGraph.length > 0)
    console.log(
      `graph regressed (on the graph ratchet list, now differing): ${lostGraph.join(' ')}`,
    );
}
console.log(`graph: match=${graph} total=${total}`);
console.log(`corpus: pass=${pass} total=${total}`);
