import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue, DEFAULT_DETECTOR, parseConfig } from '@vigil/heartbeat';

const good = {
  clusterId: 1,
  self: 'a',
  authkeyFile: '/etc/vigil/authkey',
  stateDir: '/var/lib/vigil',
  nodes: [
    { name: 'a', id: 1, links: ['10.0.0.1:5405', '10.1.0.1:5405'] },
    { name: 'b', id: 2, links: ['10.0.0.2:5405', '10.1.0.2:5405'] },
    { name: 'w', id: 3, role: 'witness', links: ['10.0.0.3:5405', '10.1.0.3:5405'] },
  ],
};

describe('parseConfig', () => {
  it('fills defaults', () => {
    const c = parseConfig(good);
    assert.equal(c.encrypt, true);
    assert.equal(c.tickMs, 25);
    assert.deepEqual(c.detector, DEFAULT_DETECTOR);
    assert.equal(c.nodes[2]!.role, 'witness');
    assert.equal(c.nodes[0]!.role, 'voter');
    assert.equal(c.heartbeatTicks, 2);
    assert.ok(c.heartbeatTicks < c.electionTicks);
    assert.equal(parseConfig({ ...good, electionTicks: 2 }).heartbeatTicks, 1);
  });

  for (const [what, patch, field] of [
    ['self not in nodes', { self: 'zz' }, 'self'],
    ['bad address', { nodes: [{ name: 'a', id: 1, links: ['nope'] }] }, 'nodes[0].links[0]'],
    ['duplicate id', { nodes: [good.nodes[0], { ...good.nodes[1], id: 1 }] }, 'nodes[1].id'],
    [
      'link count mismatch',
      { nodes: [good.nodes[0], { ...good.nodes[1], links: ['10.0.0.2:1'] }] },
      'nodes[1].links',
    ],
    ['unknown detector key', { detector: { deadtime: 5 } }, 'detector.deadtime'],
    ['floor above ceiling', { detector: { floorMs: 5000 } }, 'detector'],
    ['bad role', { nodes: [{ ...good.nodes[0], role: 'boss' }] }, 'nodes[0].role'],
    ['missing authkeyFile', { authkeyFile: '' }, 'authkeyFile'],
    ['heartbeat not below election', { electionTicks: 5, heartbeatTicks: 5 }, 'heartbeatTicks'],
    ['fractional heartbeatTicks', { heartbeatTicks: 1.5 }, 'heartbeatTicks'],
  ] as const) {
    it(`refuses ${what} with VGL_E_CONFIG naming ${field}`, () => {
      assert.throws(
        () => parseConfig({ ...good, ...patch }),
        (e: Error & { code?: string; details?: { field?: string } }) => {
          assert.equal(e.code, 'VGL_E_CONFIG');
          assert.equal(e.details?.field, field);
          assert.ok(e.message.includes(field), e.message);
          return true;
        },
      );
    });
  }
});

describe('BoundedQueue', () => {
  it('delivers in order and cuts off a consumer that falls behind with VGL_E_LIMIT', async () => {
    const q = new BoundedQueue<number>(3, 'test');
    for (const i of [1, 2, 3]) assert.equal(q.push(i), true);
    assert.equal(q.push(4), false, 'full: the consumer is cut off');
    assert.equal(q.isClosed, true);
    await assert.rejects(q.next(), { code: 'VGL_E_LIMIT' });
    const r = new BoundedQueue<number>(10, 'test');
    const got: number[] = [];
    const consumer = (async () => {
      for await (const v of r) got.push(v);
    })();
    for (const i of [1, 2, 3]) r.push(i);
    await new Promise((res) => setImmediate(res));
    r.close();
    await consumer;
    assert.deepEqual(got, [1, 2, 3]);
  });
});
