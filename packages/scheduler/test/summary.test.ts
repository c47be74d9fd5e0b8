import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractTransitionSummary, formatSummaryLines, sameSummary } from '@vigil/scheduler';

describe('transition summary text', () => {
  it('formats resource and fence lines like crm_simulate, padding aside', () => {
    const lines = formatSummaryLines([
      {
        kind: 'fence',
        node: 'node2',
        action: 'reboot',
        reason: 'peer is no longer part of the cluster',
      },
      { kind: 'resource', verb: 'Move', rsc: 'rsc1', details: 'node1 -> node2' },
      {
        kind: 'resource',
        verb: 'Stop',
        rsc: 'rsc22',
        details: 'node1',
        reason: 'due to node availability',
      },
    ]);
    const expected = [
      "  * Fence (reboot) node2 'peer is no longer part of the cluster'",
      '  * Move       rsc1    ( node1 -> node2 )',
      '  * Stop       rsc22   (          node1 )  due to node availability',
    ];
    assert.ok(sameSummary(lines, expected), lines.join('\n'));
    assert.ok(!sameSummary(lines, expected.slice(1)));
  });

  it('extracts the Transition Summary section and nothing else', () => {
    const text = [
      'Current cluster status:',
      '  * Node List:',
      '',
      'Transition Summary:',
      '  * Start      rsc1     ( node1 )',
      '',
      'Executing Cluster Transition:',
      '  * Resource action: rsc1 start on node1',
    ].join('\n');
    assert.deepEqual(
      extractTransitionSummary(text).filter((l) => l.trim() !== ''),
      ['  * Start      rsc1     ( node1 )'],
    );
  });
});
