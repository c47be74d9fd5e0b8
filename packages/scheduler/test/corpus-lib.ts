/**
 * The Pacemaker regression corpus (GPLv2+ data, read in place from ../shared/pacemaker-scheduler,
 * never copied here): case list, and running one case through our scheduler.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  extractExecutedActions,
  extractTransitionSummary,
  formatSummaryLines,
  sameActionMultiset,
  sameSummary,
  schedule,
  simulateText,
  type Transition,
} from '@vigil/scheduler';
import { readCib } from '@vigil/cib';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const PASSING_LIST = join(REPO_ROOT, 'packages/scheduler/test/corpus-passing.txt');
/** Ratchet list of cases whose executed actions match as a multiset. */
export const GRAPH_PASSING_LIST = join(
  REPO_ROOT,
  'packages/scheduler/test/corpus-graph-passing.txt',
);

/** The corpus directory: $VIGIL_PCMK_CORPUS, else ../shared/pacemaker-scheduler from the repo root (or one level up, for worktrees). */
export function corpusDir(): string | undefined {
  const env = process.env.VIGIL_PCMK_CORPUS;
  if (env !== undefined && env !== '') return env;
  for (const rel of ['../shared/pacemaker-scheduler', '../../shared/pacemaker-scheduler']) {
    const p = resolve(REPO_ROOT, rel);
    if (existsSync(join(p, 'cases.tsv'))) return p;
  }
  return undefined;
}

export interface CorpusCase {
  readonly name: string;
  readonly group: string;
  readonly description: string;
}

export function readCases(dir: string): CorpusCase[] {
  const lines = readFileSync(join(dir, 'cases.tsv'), 'utf8').split('\n').slice(1);
  const out: CorpusCase[] = [];
  for (const l of lines) {
    if (l.trim() === '') continue;
    const [name, group, description] = l.split('\t');
    out.push({ name: name!, group: group!, description: description ?? '' });
  }
  return out;
}

/** The effective time crm_simulate uses: the CIB's execution-date, else now. */
export function effectiveTime(xml: string, nowSec: number): number {
  const m = /execution-date="(\d+)"/.exec(xml);
  return m ? Number(m[1]) : nowSec;
}

export interface CaseResult {
  readonly pass: boolean;
  readonly expected: string[];
  readonly actual: string[];
  /** The "Executing Cluster Transition" lines match as a multiset. */
  readonly graphPass: boolean;
  readonly expectedActions: string[];
  readonly actualActions: string[];
  readonly transition?: Transition;
  readonly error?: string;
}

export function runCase(dir: string, name: string, nowSec: number): CaseResult {
  const xml = readFileSync(join(dir, 'xml', `${name}.xml`), 'utf8');
  const text = readFileSync(join(dir, 'summary', `${name}.summary`), 'utf8');
  const expected = extractTransitionSummary(text);
  const expectedActions = extractExecutedActions(text);
  try {
    const t = schedule({ cib: readCib(xml).cib, nowSec: effectiveTime(xml, nowSec) });
    const actual = formatSummaryLines(t.summary);
    const actualActions = extractExecutedActions(simulateText(t));
    return {
      pass: sameSummary(expected, actual),
      expected,
      actual,
      graphPass: sameActionMultiset(expectedActions, actualActions),
      expectedActions,
      actualActions,
      transition: t,
    };
  } catch (e) {
    return {
      pass: false,
      expected,
      actual: [],
      graphPass: false,
      expectedActions,
      actualActions: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
}

export function readPassingList(file: string = PASSING_LIST): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
