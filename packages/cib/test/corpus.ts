/**
 * Locates Pacemaker's scheduler regression corpus, read in place (never copied): `../shared` from
 * the repository root, or the nearest `shared/` above it (worktrees live deeper), or
 * $VIGIL_SHARED_DIR.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '@vigil/testkit';

function findShared(): string {
  const env = process.env['VIGIL_SHARED_DIR'];
  if (env !== undefined && env !== '') return env;
  // dist/test/corpus.js → packages/cib → repository root
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  let dir = root;
  for (;;) {
    const candidate = join(dirname(dir), 'shared');
    if (existsSync(join(candidate, 'pacemaker-scheduler', 'xml'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return join(dirname(root), 'shared');
    dir = up;
  }
}

export const CORPUS_XML_DIR = join(findShared(), 'pacemaker-scheduler', 'xml');
export const CORPUS_SUMMARY_DIR = join(findShared(), 'pacemaker-scheduler', 'summary');

/** node:test options: skipped locally, a failure under CI, when the corpus is missing. */
export const corpusNeeded = needs(`file:${CORPUS_XML_DIR}`);

/** Corpus input file names (sorted), or [] when absent. */
export function corpusFiles(): string[] {
  if (!existsSync(CORPUS_XML_DIR)) return [];
  return readdirSync(CORPUS_XML_DIR)
    .filter((f) => f.endsWith('.xml'))
    .sort();
}
