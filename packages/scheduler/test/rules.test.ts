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

describe('date expressions with ordinal and week dates', () => {
  // fixture's time is 2023-11-14 (1 700 000 000 s). A is banned from n1 while the rule holds.
  const spec = (expr: string) => ({
    nodes: [{ name: 'n1' }, { name: 'n2' }],
    resources: prim('A'),
    constraints:
      '<rsc_location id="ban" rsc="A"><rule id="ban-rule" score="-INFINITY" boolean-op="and">' +
      '<expression id="ban-node" attribute="#uname" operation="eq" value="n1"/>' +
      `<date_expression id="ban-date" ${expr}/>` +
      '</rule></rsc_location>' +
      '<rsc_location id="pref" rsc="A" node="n1" score="10"/>',
  });

  it('an ordinal date (YYYY-DDD) in the past: gt holds', () => {
    assert.deepEqual(run(spec('operation="gt" start="2005-001"')), lines('* Start A ( n2 )'));
  });

  it('an ordinal end in the past: in_range does not hold', () => {
    assert.deepEqual(run(spec('operation="in_range" end="2005-001"')), lines('* Start A ( n1 )'));
  });

  it('a week date (YYYY-Www-D) in the future: lt holds', () => {
    assert.deepEqual(run(spec('operation="lt" end="2030-W02-3"')), lines('* Start A ( n2 )'));
  });
});
