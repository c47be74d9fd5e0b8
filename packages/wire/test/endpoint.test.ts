import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  HEADER_BYTES,
  OVERHEAD_BYTES,
  REJECT_REASONS,
  WireEndpoint,
  type WireOptions,
} from '@vigil/wire';

const KEY = new Uint8Array(randomBytes(64));

function pair(over: Partial<WireOptions> = {}): { a: WireEndpoint; b: WireEndpoint } {
  const a = new WireEndpoint({
    clusterId: 7,
    nodeId: 1,
    incarnation: 1000,
    authkey: KEY,
    peers: [1, 2, 3],
    ...over,
  });
  const b = new WireEndpoint({
    clusterId: 7,
    nodeId: 2,
    incarnation: 2000,
    authkey: KEY,
    peers: [1, 2, 3],
  });
  return { a, b };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('WireEndpoint', () => {
  it('round-trips a body, encrypted: the plaintext is not on the wire', () => {
    const { a, b } = pair();
    const body = enc('a secret cluster message, long enough to search for');
    const p = a.seal(9, body);
    assert.equal(p.length, OVERHEAD_BYTES + body.length);
    assert.equal(Buffer.from(p).indexOf(Buffer.from('secret')), -1);
    const o = b.open(p);
    assert.ok(o);
    assert.deepEqual([...o.body], [...body]);
    assert.equal(o.type, 9);
    assert.equal(o.sender, 1);
    assert.equal(o.incarnation, 1000);
    assert.equal(o.seq, 1);
    assert.equal(b.stats().accepted, 1);
    assert.equal(b.stats().peers[1]?.accepted, 1);
  });

  it('authenticate-only mode carries the body in clear but still rejects tampering', () => {
    const a = new WireEndpoint({
      clusterId: 1,
      nodeId: 1,
      incarnation: 1,
      authkey: KEY,
      peers: [2],
      encrypt: false,
    });
    const b = new WireEndpoint({
      clusterId: 1,
      nodeId: 2,
      incarnation: 1,
      authkey: KEY,
      peers: [1],
      encrypt: false,
    });
    const p = a.seal(1, enc('hello'));
    assert.notEqual(Buffer.from(p).indexOf(Buffer.from('hello')), -1);
    const q = p.slice();
    q[HEADER_BYTES]! ^= 1;
    assert.equal(b.open(q), undefined);
    assert.equal(b.stats().rejected.auth, 1);
    assert.deepEqual([...(b.open(p)?.body ?? [])], [...enc('hello')]);
    // An encrypting receiver refuses an authenticate-only packet outright.
    const { b: encB } = pair();
    assert.equal(encB.open(a.seal(1, enc('x'))), undefined);
    assert.equal(encB.stats().rejected['bad-flags'], 1);
  });

  it('rejects a replayed packet, accepts reordering within the window', () => {
    const { a, b } = pair();
    const p1 = a.seal(1, enc('1'));
    const p2 = a.seal(1, enc('2'));
    const p3 = a.seal(1, enc('3'));
    assert.ok(b.open(p3));
    assert.ok(b.open(p1));
    assert.equal(b.open(p1), undefined);
    assert.ok(b.open(p2));
    assert.equal(b.open(p3), undefined);
    assert.equal(b.stats().rejected.replay, 2);
  });

  it('a restarted sender (higher incarnation) is accepted; its old incarnation is refused', () => {
    const { a, b } = pair();
    const old = a.seal(1, enc('old'));
    const old2 = a.seal(1, enc('old2'));
    assert.ok(b.open(old));
    const a2 = new WireEndpoint({
      clusterId: 7,
      nodeId: 1,
      incarnation: 1001,
      authkey: KEY,
      peers: [2],
    });
    assert.ok(b.open(a2.seal(1, enc('new'))));
    assert.equal(b.open(old2), undefined);
    assert.equal(b.stats().rejected['stale-incarnation'], 1);
  });

  it('drops packets from unknown nodes, other clusters, itself, and with the wrong key', () => {
    const { b } = pair();
    const stranger = new WireEndpoint({
      clusterId: 7,
      nodeId: 9,
      incarnation: 1,
      authkey: KEY,
      peers: [2],
    });
    assert.equal(b.open(stranger.seal(1, enc('x'))), undefined);
    const other = new WireEndpoint({
      clusterId: 8,
      nodeId: 1,
      incarnation: 1,
      authkey: KEY,
      peers: [2],
    });
    assert.equal(b.open(other.seal(1, enc('x'))), undefined);
    const self = new WireEndpoint({
      clusterId: 7,
      nodeId: 2,
      incarnation: 1,
      authkey: KEY,
      peers: [1],
    });
    assert.equal(b.open(self.seal(1, enc('x'))), undefined);
    const wrongKey = new WireEndpoint({
      clusterId: 7,
      nodeId: 1,
      incarnation: 1,
      authkey: new Uint8Array(randomBytes(64)),
      peers: [2],
    });
    assert.equal(b.open(wrongKey.seal(1, enc('x'))), undefined);
    const s = b.stats();
    assert.equal(s.rejected['unknown-node'], 1);
    assert.equal(s.rejected['wrong-cluster'], 1);
    assert.equal(s.rejected['own-node'], 1);
    assert.equal(s.rejected.auth, 1);
    assert.equal(s.rejectedTotal, 4);
    assert.equal(s.peers[1]?.rejected, 1, 'the auth failure is charged to the claimed sender');
  });

  it('refuses bodies beyond the packet budget with VGL_E_LIMIT, and oversize packets', () => {
    const { a, b } = pair({ maxPacketBytes: 200 });
    assert.throws(() => a.seal(1, new Uint8Array(200)), { code: 'VGL_E_LIMIT' });
    const big = new WireEndpoint({
      clusterId: 7,
      nodeId: 1,
      incarnation: 1,
      authkey: KEY,
      peers: [2],
      maxPacketBytes: 70_000,
    }).seal(1, new Uint8Array(61_440));
    assert.equal(b.open(big), undefined);
    assert.equal(b.stats().rejected.oversize, 1);
  });

  it('property: any single bit flip in a packet is rejected, never thrown, and counted', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (body, at, bit) => {
          const { a, b } = pair();
          const p = a.seal(3, body);
          const q = p.slice();
          q[at % q.length]! ^= 1 << bit;
          assert.equal(b.open(q), undefined);
          const s = b.stats();
          assert.equal(s.rejectedTotal, 1);
          assert.equal(s.accepted, 0);
          // The untouched packet still opens afterwards: the forgery did not poison the window.
          assert.ok(b.open(p));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: random bytes and truncations never throw and are each counted once', () => {
    const reasons = new Set<string>(REJECT_REASONS);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('random' as const),
              bytes: fc.uint8Array({ maxLength: 200 }),
            }),
            fc.record({ kind: fc.constant('trunc' as const), cut: fc.nat({ max: 400 }) }),
            fc.record({ kind: fc.constant('good' as const), cut: fc.constant(0) }),
          ),
          { maxLength: 30 },
        ),
        (inputs) => {
          const { a, b } = pair();
          let good = 0;
          for (const inp of inputs) {
            if (inp.kind === 'random') {
              assert.equal(b.open(inp.bytes), undefined);
            } else {
              const p = a.seal(5, new Uint8Array(100));
              if (inp.kind === 'good') {
                assert.ok(b.open(p));
                good++;
              } else {
                const cut = inp.cut % p.length;
                assert.equal(b.open(p.subarray(0, cut)), undefined);
              }
            }
          }
          const s = b.stats();
          assert.equal(s.accepted, good);
          assert.equal(s.accepted + s.rejectedTotal, inputs.length);
          const sum = Object.entries(s.rejected).reduce((n, [k, v]) => {
            assert.ok(reasons.has(k));
            return n + v;
          }, 0);
          assert.equal(sum, s.rejectedTotal);
        },
      ),
      { numRuns: 300 },
    );
  });
});
