import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REPLAY_WINDOW, ReplayWindow } from '@vigil/wire';

describe('ReplayWindow', () => {
  it('property: agrees with a set-based model of the window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            inc: fc.integer({ min: 1, max: 3 }),
            seq: fc.integer({ min: 1, max: 3000 }),
          }),
          { maxLength: 300 },
        ),
        (events) => {
          const w = new ReplayWindow();
          let inc = -1;
          let top = 0;
          let seen = new Set<number>();
          for (const { inc: i, seq } of events) {
            let expect: string;
            if (i < inc) expect = 'stale-incarnation';
            else if (i > inc || seq > top) expect = 'fresh';
            else if (top - seq >= REPLAY_WINDOW || seen.has(seq)) expect = 'replay';
            else expect = 'fresh';
            assert.equal(w.check(i, seq), expect, `inc=${i} seq=${seq} top=${top}`);
            if (expect === 'fresh') {
              w.accept(i, seq);
              if (i > inc) {
                inc = i;
                top = seq;
                seen = new Set([seq]);
              } else {
                top = Math.max(top, seq);
                seen.add(seq);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
