/**
 * The reason given for stopping a running resource whose mandatory predecessor will not run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, prim, probedStopped, run, started, type CibSpec } from './fixture.js';

const ORDER = '<rsc_order id="o1" first="C" then="A" kind="Mandatory"/>';
const DISABLED = { 'target-role': 'Stopped' };

describe('why a dependent stops', () => {
  it('its predecessor was running and stops: the start it required', () => {
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), C: started('C') } }],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER,
    };
    assert.deepEqual(
      run(spec),
      lines('* Stop A ( n1 ) due to required C start', '* Stop C ( n1 ) due to node availability'),
    );
  });

  it('its predecessor was not running: the start that cannot run', () => {
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), C: probedStopped('C') } }],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER,
    };
    assert.deepEqual(run(spec), lines('* Stop A ( n1 ) due to unrunnable C start'));
  });

  it('it would have moved: the start that cannot run', () => {
    const spec: CibSpec = {
      nodes: [
        { name: 'n1', history: { A: probedStopped('A'), C: started('C') } },
        { name: 'n2', history: { A: started('A'), C: probedStopped('C') } },
      ],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER + '<rsc_location id="l1" rsc="A" node="n1" score="INFINITY"/>',
    };
    assert.deepEqual(
      run(spec),
      lines(
        '* Stop A ( n2 ) due to unrunnable C start',
        '* Stop C ( n1 ) due to node availability',
      ),
    );
  });
});
