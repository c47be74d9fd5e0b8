/**
 * The reason given for stopping a running resource whose mandatory predecessor will not run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, lines, prim, probedStopped, run, started, type CibSpec } from './fixture.js';

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

  it('its predecessor is a running clone that stops because of its own order: the running it required', () => {
    // C1 (disabled) then C2 then P: C2 stops because C1 will not run; P, which would have
    // stayed, stops because C2 stops.
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { c1: started('c1'), c2: started('c2'), P: started('P') } }],
      resources:
        prim('P') + clone('C1', prim('c1'), { 'target-role': 'Stopped' }) + clone('C2', prim('c2')),
      constraints:
        '<rsc_order id="o1" first="C1" then="C2" kind="Mandatory"/>' +
        '<rsc_order id="o2" first="C2" then="P" kind="Mandatory"/>',
    };
    assert.deepEqual(
      run(spec),
      lines(
        '* Stop P ( n1 ) due to required C2 running',
        '* Stop c1:0 ( n1 ) due to node availability',
        '* Stop c2:0 ( n1 ) due to unrunnable C1 running',
      ),
    );
  });
});
