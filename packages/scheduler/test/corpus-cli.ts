/**
 * `npm run corpus [-- --rewrite] [-- --case NAME] [-- --group NN] [-- --fail]`: runs every corpus
 * case, prints pass counts per group and `corpus: pass=P total=N`. `--rewrite` updates the ratchet
 * list of passing cases; `--case` shows one case's expected and actual summaries.
 */
import { writeFileSync } from 'node:fs';
import { PASSING_LIST, corpusDir, readCases, readPassingList, runCase } from './corpus-lib.js';

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
const cases = readCases(dir);
const perGroup = new Map<string, { pass: number; total: number }>();
const passing: string[] = [];
for (const c of cases) {
  if (only !== undefined && c.name !== only) continue;
  if (groupFilter !== undefined && !c.group.startsWith(groupFilter)) continue;
  const r = runCase(dir, c.name, nowSec);
  const g = perGroup.get(c.group) ?? { pass: 0, total: 0 };
  g.total++;
  if (r.pass) {
    g.pass++;
    passing.push(c.name);
  }
  perGroup.set(c.group, g);
  if (only !== undefined || (showFails && !r.pass)) {
    console.log(`== ${c.name} (${c.group}) ${r.pass ? 'PASS' : 'FAIL'}`);
    console.log('expected:\n' + r.expected.join('\n'));
    console.log('actual:\n' + r.actual.join('\n'));
    if (r.error !== undefined) console.log(r.error);
  }
}
let pass = 0;
let total = 0;
for (const [g, s] of [...perGroup].sort()) {
  console.log(`${g.padEnd(28)} ${String(s.pass).padStart(3)}/${s.total}`);
  pass += s.pass;
  total += s.total;
}
if (args.includes('--rewrite')) {
  writeFileSync(PASSING_LIST, passing.sort().join('\n') + '\n');
  console.log(`wrote ${passing.length} names to ${PASSING_LIST}`);
} else if (only === undefined && groupFilter === undefined) {
  const lost = readPassingList().filter((n) => !passing.includes(n));
  if (lost.length > 0)
    console.log(`regressed (on the ratchet list, now failing): ${lost.join(' ')}`);
}
console.log(`corpus: pass=${pass} total=${total}`);
