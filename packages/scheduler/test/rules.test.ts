import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, prim, run } from './fixture.js';

describe('rule expressions by type', () => {
  // n1 has test_val=3.4; A is banned where test_val equals 3.6, compared as `type`.
  const spec = (type: string) => ({
    nodes: [
      { name: 'n1', attrs: { test_val: '3.4' } },
      { name: 'n2', attrs: { test_val: '5' } },
    ],
    resources: prim('A'),
    constraints:
      '<rsc_location id="ban" rsc="A"><rule id="ban-rule" score="-INFINITY">' +
      `<expression id="ban-expr" attribute="test_val" operation="eq" type="${type}" value="3.6"/>` +
      '</rule></rsc_location>',
  });

  it('integer compares whole numbers: 3.4 equals 3.6', () => {
    assert.deepEqual(run(spec('integer')), lines('* Start A ( n2 )'));
  });

  it('number compares decimals: 3.4 differs from 3.6', () => {
    assert.deepEqual(run(spec('number')), lines('* Start A ( n1 )'));
  });
});
