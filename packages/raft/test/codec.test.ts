import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVigilError } from '@vigil/base';
import {
  decodeMessage,
  encodeMessage,
  decodeHardState,
  encodeHardState,
  type Message,
} from '@vigil/raft';
import { TestCluster, bytes } from './helpers.js';

function sampleMessages(): Message[] {
  const c = new TestCluster(['a', 'b', 'c']);
  const l = c.elect();
  c.node(l).propose(bytes('hello'));
  c.node(l).proposeConfChange({ type: 'addWitness', id: 'w' });
  c.node(l).readIndex('r');
  c.settle();
  const st = c.node(l).status();
  c.node(l).createSnapshot(st.applied, bytes('snap'));
  c.add('w', { initialMembership: { members: [] } });
  c.tick(3);
  c.node(l).transferLeadership([...c.nodes.keys()].find((x) => x !== l && x !== 'w')!);
  c.tick(3);
  return c.sent;
}

describe('raft codec', () => {
  const msgs = sampleMessages();

  it('round-trips every message type the core produces', () => {
    const types = new Set(msgs.map((m) => m.type));
    assert.equal(types.size, 10, [...types].join(','));
    for (const m of msgs) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
    const hs = { term: 7, vote: 'b', commit: 2 ** 40 };
    assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
  });

  it('every truncation and random garbage fail with VGL_E_PARSE, never anything else', () => {
    for (const m of msgs.slice(0, 50)) {
      const b = encodeMessage(m);
      for (let k = 0; k < b.length; k++) {
        assert.throws(
          () => decodeMessage(b.subarray(0, k)),
          (e) => isVigilError(e) && e.code === 'VGL_E_PARSE',
        );
      }
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodeMessage(b);
        } catch (e) {
          return isVigilError(e) && e.code === 'VGL_E_PARSE';
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
