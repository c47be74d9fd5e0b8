/**
 * Tickets given through resource sets: each set's role says what needs the ticket.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, explainSpec, lines, prim, probedStopped, run } from './fixture.js';

describe('rsc_ticket with resource sets', () => {
  // Ticket T is not granted. A (in a set with role Started) needs it to run at all; clone C (in a
  // set with role Promoted) needs it only to be promoted, so with loss-policy=demote its
  // instances still start.
  const spec = {
    nodes: ['n1', 'n2'].map((name) => ({
      name,
      history: { A: probedStopped('A'), c: probedStopped('c') },
    })),
    resources: prim('A') + clone('C', prim('c')),
    constraints:
      '<rsc_ticket id="tk" ticket="T" loss-policy="demote">' +
      '<resource_set id="tk-0" role="Started"><resource_ref id="A"/></resource_set>' +
      '<resource_set id="tk-1" role="Promoted"><resource_ref id="C"/></resource_set>' +
      '</rsc_ticket>',
  };

  it('a set with role Promoted does not keep its members from starting', () => {
    assert.deepEqual(run(spec), lines('* Start c:0 ( n1 )', '* Start c:1 ( n2 )'));
  });

  it('a set with role Started keeps its members stopped, and says which ticket', () => {
    const why = explainSpec(spec, 'A')!;
    assert.equal(why.outcome, 'stay-stopped');
    assert.ok(why.reasons.some((r) => r.text.includes('ticket T is not granted')));
  });
});
