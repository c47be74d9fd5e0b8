import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { corpusDir, readCases, readPassingList, runCase } from './corpus-lib.js';

const dir = corpusDir();

describe(
  'Pacemaker regression corpus (ratchet)',
  { skip: dir === undefined ? 'corpus not found' : false },
  () => {
    it('every case on the ratchet list still passes', () => {
      const d = dir!;
      const nowSec = Math.floor(Date.now() / 1000);
      const listed = readPassingList();
      assert.ok(listed.length > 0, 'the ratchet list is empty');
      const known = new Set(readCases(d).map((c) => c.name));
      const failing: string[] = [];
      for (const name of listed) {
        assert.ok(known.has(name), `${name} on the ratchet list is not a corpus case`);
        const r = runCase(d, name, nowSec);
        if (!r.pass)
          failing.push(
            `${name}:\n  expected ${r.expected.join('\n  ')}\n  actual   ${r.actual.join('\n  ')}`,
          );
      }
      assert.deepEqual(failing, [], `cases regressed:\n${failing.join('\n')}`);
    });
  },
);
