/**
 * The Pacemaker regression corpus (GPLv2+ data, read in place from ../shared/pacemaker-scheduler,
 * never copied here): case list, and running one case through our scheduler.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  extractTransitionSummary,
  formatSummaryLines,
  sameSummary,
  schedule,
} from '@vigil/scheduler';
import { readCib } from '@vigil/cib';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const PASSING_LIST = join(REPO_ROOT, 'packages/scheduler/test/corpus-passing.txt');

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
  readonly error?: string;
}

export function runCase(dir: string, name: string, nowSec: number): CaseResult {
  const xml = readFileSync(join(dir, 'xml', `${name}.xml`), 'utf8');
  const expected = extractTransitionSummary(
    readFileSync(join(dir, 'summary', `${name}.summary`), 'utf8'),
  );
  try {
    const t = schedule({ cib: readCib(xml).cib, nowSec: effectiveTime(xml, nowSec) });
    const actual = formatSummaryLines(t.summary);
    return { pass: sameSummary(expected, actual), expected, actual };
  } catch (e) {
    return {
      pass: false,
      expected,
      actual: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
}

export function readPassingList(): string[] {
  if (!existsSync(PASSING_LIST)) return [];
  return readFileSync(PASSING_LIST, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
