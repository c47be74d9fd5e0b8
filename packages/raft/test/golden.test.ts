import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { goldenCases, runGolden } from './golden-runner.js';

describe('raft golden interaction traces (npm run raft:golden -- --rewrite regenerates)', () => {
  const cases = goldenCases();
  it('has the golden cases', () => {
    assert.ok(cases.length >= 8, `${cases.length} cases`);
  });
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(runGolden(c.script), readFileSync(c.tracePath, 'utf8'));
    });
  }
});
