// One vigil scheduling run, in its own process so each size's peak RSS is its own.
// Usage: node bench/dist/lib/scheduler-worker.js FILE
// Does what `vigil simulate --xml FILE` does before printing, nothing more: read the file, parse and
// validate it into the CIB model, schedule it at the CIB's execution-date. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { readCib } from '@vigil/cib';
import { formatSummaryLines, schedule } from '@vigil/scheduler';

export interface WorkerResult {
  /** Reading the file and parsing + validating it into the typed CIB model. */
  readonly parseMs: number;
  /** The scheduler pipeline on that model (unpack … build graph, summary). */
  readonly scheduleMs: number;
  readonly graphActions: number;
  readonly summary: string[];
  /** CPU time (user + system, all threads incl. GC) of parse + schedule. */
  readonly cpuMs: number;
  /** Peak resident set size of this process, MiB. */
  readonly peakRssMiB: number;
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: scheduler-worker FILE');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { cib } = readCib(readFileSync(file, 'utf8'));
  const t1 = performance.now();
  const nowSec = cib.attributes.executionDate ?? Math.floor(Date.now() / 1000);
  const t = schedule({ cib, nowSec });
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  const result: WorkerResult = {
    parseMs: t1 - t0,
    scheduleMs: t2 - t1,
    graphActions: t.graph.actions.length,
    summary: formatSummaryLines(t.summary),
    cpuMs: (c1.user + c1.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main();
