/**
 * The writer loses nothing Pacemaker needs: corpus inputs read by vigil and written back out give,
 * through Debian's crm_simulate 2.1.5, exactly the expected summary of the original input
 * (compared ignoring whitespace and blank lines, as upstream's runner does). A sample of every
 * 40th case keeps the test short; VIGIL_WRITER_DIFF_ALL=1 runs all 798.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCib, writeCib } from '@vigil/cib';
import { needs, run, tempDir } from '@vigil/testkit';
import { CORPUS_SUMMARY_DIR, CORPUS_XML_DIR, corpusFiles } from './corpus.js';

const normalize = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.replace(/\s+/g, ''))
    .filter((l) => l !== '')
    .join('\n');

describe('written CIBs through crm_simulate 2.1.5 (differential)', () => {
  const opts = needs('cmd:crm_simulate', `file:${CORPUS_XML_DIR}`);
  it('reproduce the expected summaries of the original corpus inputs', opts, async () => {
    await using dir = await tempDir('writer-diff');
    const all = process.env['VIGIL_WRITER_DIFF_ALL'] === '1';
    const sample = corpusFiles().filter((_, i) => all || i % 40 === 0);
    assert.ok(sample.length >= 20);
    const mismatches: string[] = [];
    for (const f of sample) {
      const name = f.replace(/\.xml$/, '');
      const written = writeCib(readCib(readFileSync(join(CORPUS_XML_DIR, f), 'utf8')).cib);
      const file = join(dir.path, f);
      await writeFile(file, written);
      // One stream, as the expected summaries were recorded (notices on stderr come first).
      const r = await run('sh', ['-c', 'exec crm_simulate -x "$0" -S 2>&1', file], {
        timeoutMs: 120_000,
        env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dir.path },
        maxOutputBytes: 8 * 1024 * 1024,
      });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const expected = readFileSync(join(CORPUS_SUMMARY_DIR, `${name}.summary`), 'utf8');
      if (normalize(r.stdout) !== normalize(expected)) mismatches.push(name);
    }
    if (all)
      console.log(`writer differential: ${sample.length - mismatches.length}/${sample.length}`);
    assert.deepEqual(mismatches, []);
  });
});
