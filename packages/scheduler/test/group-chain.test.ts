import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { group, lines, prim, run, started } from './fixture.js';

describe('a group blocked by an order, member by member', () => {
  // G1 cannot run (its member A2 is disabled) and does nothing in this transition; G2 is ordered
  // after it, so G2 cannot run either. `pattern` says which of G2's members run on n1.
  const spec = (pattern: string) => {
    const history: Record<string, string[]> = {};
    ['B1', 'B2', 'B3', 'B4'].forEach((b, i) => {
      if (pattern[i] === '1') history[b] = started(b);
    });
    return {
      nodes: [
        { name: 'n1', history },
        { name: 'n2', history: { A1: started('A1') } },
      ],
      resources:
        group('G1', [prim('A1'), prim('A2', { 'target-role': 'Stopped' })]) +
        group(
          'G2',
          ['B1', 'B2', 'B3', 'B4'].map((b) => prim(b)),
        ),
      constraints:
        '<rsc_order id="G1-then-G2" first="G1" then="G2"/>' +
        '<rsc_location id="G2-on-n1" rsc="G2" node="n1" score="100"/>',
    };
  };

  it('the first member names the group-level cause; the rest follow the member chain', () => {
    assert.deepEqual(
      run(spec('1111')),
      lines(
        '* Stop B1 ( n1 ) due to unrunnable G1 running',
        '* Stop B2 ( n1 ) due to required B1 start',
        '* Stop B3 ( n1 ) due to required B2 stop',
        '* Stop B4 ( n1 ) due to required B3 start',
      ),
    );
  });

  it('members before the first running one keep the group-level cause', () => {
    assert.deepEqual(
      run(spec('0011')),
      lines(
        '* Start B1 ( n1 ) due to unrunnable G1 running (blocked)',
        '* Start B2 ( n1 ) due to unrunnable G1 running (blocked)',
        '* Stop B3 ( n1 ) due to unrunnable G1 running',
        '* Stop B4 ( n1 ) due to required B3 stop',
      ),
    );
  });

  it('a stopped member between running ones', () => {
    assert.deepEqual(
      run(spec('1011')),
      lines(
        '* Stop B1 ( n1 ) due to unrunnable G1 running',
        '* Start B2 ( n1 ) due to unrunnable B1 start (blocked)',
        '* Stop B3 ( n1 ) due to required B2 start',
        '* Stop B4 ( n1 ) due to required B3 stop',
      ),
    );
  });
});
