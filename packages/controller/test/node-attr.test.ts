import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEntry,
  emptyCib,
  isConfigEntry,
  nodeSettings,
  type CibEntry,
} from '@vigil/controller';
import { isVigilError } from '@vigil/base';

const meta = { who: 'test', wallMs: 1000, term: 1 };

describe('node attributes in the CIB (node-attr)', () => {
  it('keeps reboot attributes in the status until the node leaves, forever ones in the nodes section', () => {
    let cib = applyEntry(emptyCib(), { op: 'node-state', node: 'a', state: 'member' }, meta);
    const put = (e: Omit<Extract<CibEntry, { op: 'node-attr' }>, 'op'>): void => {
      cib = applyEntry(cib, { op: 'node-attr', ...e }, meta);
    };
    put({ node: 'a', name: 'pingd', value: '100', scope: 'reboot' });
    put({ node: 'a', name: 'rack', value: 'r1', scope: 'forever' });
    put({ node: 'a', name: 'cpu', value: '8', scope: 'utilization' });
    assert.equal(cib.status.nodes.a?.attributes.pingd, '100');
    assert.equal(nodeSettings(cib.config, 'a').attributes.rack, 'r1');
    assert.equal(nodeSettings(cib.config, 'a').utilization.cpu, '8');
    // Only the configuration kinds are configuration changes (history, configVersion).
    assert.equal(
      isConfigEntry({ op: 'node-attr', node: 'a', name: 'x', value: null, scope: 'reboot' }),
      false,
    );
    assert.equal(cib.history.length, 2);
    // standby keeps the node's permanent attributes
    cib = applyEntry(cib, { op: 'node-set', node: 'a', standby: true }, meta);
    assert.equal(nodeSettings(cib.config, 'a').attributes.rack, 'r1');
    put({ node: 'a', name: 'pingd', value: null, scope: 'reboot' });
    assert.equal(cib.status.nodes.a?.attributes.pingd, undefined);
    put({ node: 'a', name: 'pingd', value: '5', scope: 'reboot' });
    cib = applyEntry(cib, { op: 'node-state', node: 'a', state: 'lost' }, meta);
    assert.deepEqual(
      cib.status.nodes.a?.attributes,
      {},
      'transient attributes vanish with the node',
    );
    assert.equal(nodeSettings(cib.config, 'a').attributes.rack, 'r1');
  });

  it('rejects bad names and oversized values, changing nothing', () => {
    const cib = emptyCib();
    for (const e of [
      { name: 'bad name', value: '1' },
      { name: 'ok', value: 'x'.repeat(5000) },
    ])
      assert.throws(
        () => applyEntry(cib, { op: 'node-attr', node: 'a', scope: 'reboot', ...e }, meta),
        (x: unknown) => isVigilError(x) && x.code === 'VGL_E_INVALID_INPUT',
      );
  });
});
