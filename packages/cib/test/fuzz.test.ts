/**
 * Robustness: damaged inputs get a clear VigilError (VGL_E_PARSE or VGL_E_CIB_INVALID), never a
 * crash with some other exception, and every reported issue names its element.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { VigilError } from '@vigil/base';
import { readCib, type CibIssue } from '@vigil/cib';
import { CORPUS_XML_DIR, corpusFiles, corpusNeeded } from './corpus.js';

/** A few corpus inputs of different shapes (bundles, clones, rules, tickets, templates). */
const SAMPLES = [
  'bundle-nested-colocation',
  'clone-anon-probe-1',
  'date-2',
  'ticket-promoted-1',
  'template-1',
  'rsc-sets-clone',
];

const mutation = fc.oneof(
  // delete a span
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
  }),
  // insert markup-significant text
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '<',
      '>',
      '"',
      "'",
      '&',
      '/>',
      '</x>',
      '<x>',
      '=',
      ' id="dup"',
      ' score="abc"',
      '<!--',
      ']]>',
      '<primitive id="q"/>',
      '<clone id="c2"/>',
      'id-ref="nowhere" ',
    ),
  }),
  // rename an attribute or element name by changing one character
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    ch: fc.constantFrom('a', 'Z', '-', ':', '1'),
  }),
);

function mutate(
  text: string,
  ms: { kind: string; at: number; len?: number; text?: string; ch?: string }[],
): string {
  let t = text;
  for (const m of ms) {
    const at = m.at % (t.length + 1);
    if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + (m.len ?? 1));
    else if (m.kind === 'insert') t = t.slice(0, at) + (m.text ?? '') + t.slice(at);
    else t = t.slice(0, at) + (m.ch ?? '') + t.slice(at + 1);
  }
  return t;
}

describe('damaged corpus inputs', () => {
  it(
    'fail only with VGL_E_PARSE or VGL_E_CIB_INVALID, naming elements (property)',
    corpusNeeded,
    () => {
      const available = new Set(corpusFiles());
      const texts = SAMPLES.filter((s) => available.has(`${s}.xml`)).map((s) =>
        readFileSync(join(CORPUS_XML_DIR, `${s}.xml`), 'utf8'),
      );
      assert.equal(texts.length, SAMPLES.length);
      let rejected = 0;
      fc.assert(
        fc.property(
          fc.nat(texts.length - 1),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          (i, ms) => {
            const damaged = mutate(texts[i]!, ms);
            try {
              readCib(damaged);
            } catch (e) {
              assert.ok(e instanceof VigilError, `not a VigilError: ${String(e)}`);
              assert.ok(e.code === 'VGL_E_PARSE' || e.code === 'VGL_E_CIB_INVALID', e.code);
              if (e.code === 'VGL_E_PARSE') {
                assert.match(e.message, /^XML line \d+:\d+: /);
              } else {
                const errors = e.details['errors'] as CibIssue[];
                assert.ok(errors.length > 0);
                for (const x of errors) {
                  assert.ok(
                    x.tag !== '' && typeof x.line === 'number' && x.message !== '',
                    JSON.stringify(x),
                  );
                }
              }
              rejected++;
            }
          },
        ),
        { numRuns: 400 },
      );
      // The mutations are meant to break things: most inputs must have been rejected.
      assert.ok(rejected > 100, `only ${rejected} of 400 damaged inputs were rejected`);
    },
  );
});
