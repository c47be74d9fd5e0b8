import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MSG_BUNDLE, Outbox, decodeBundle, encodeBundle } from '../src/outbox.js';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('Outbox', () => {
  it('sends what one turn queued for a key as one bundle, in order; a lone message as itself', async () => {
    const sent: [number, number, Uint8Array][] = [];
    const o = new Outbox<number>(1000, (k, type, body) => sent.push([k, type, body]));
    o.push(1, 1, bytes(3, 1));
    o.push(2, 2, bytes(4, 2));
    o.push(1, 2, bytes(5, 3));
    assert.equal(sent.length, 0, 'nothing leaves before the turn ends');
    await Promise.resolve();
    assert.equal(sent.length, 2);
    const [k1, t1, b1] = sent[0]!;
    assert.equal(k1, 1);
    assert.equal(t1, MSG_BUNDLE);
    assert.deepEqual(
      decodeBundle(b1).map((p) => [p.type, [...p.body]]),
      [
        [1, [1, 1, 1]],
        [2, [3, 3, 3, 3, 3]],
      ],
    );
    assert.deepEqual(sent[1], [2, 2, bytes(4, 2)]);
  });

  it('splits a turn that does not fit one packet, keeping the order', () => {
    const sent: [number, Uint8Array][] = [];
    const o = new Outbox<number>(100, (_k, type, body) => sent.push([type, body]));
    for (let i = 0; i < 5; i++) o.push(7, 2, bytes(40, i));
    o.flush();
    const order = sent.flatMap(([type, body]) =>
      type === MSG_BUNDLE ? decodeBundle(body).map((p) => p.body[0]) : [body[0]],
    );
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.ok(sent.every(([, body]) => body.length <= 100));
    assert.equal(sent.length, 3, '2 + 2 + 1 parts of 45 bytes in 100');
  });

  it('refuses malformed bundles: truncated, nested, type 0', () => {
    const good = encodeBundle(
      [
        { type: 1, body: bytes(2, 9) },
        { type: 2, body: bytes(1, 8) },
      ],
      100,
    );
    assert.equal(decodeBundle(good).length, 2);
    assert.throws(() => decodeBundle(good.subarray(0, good.length - 1)), { code: 'VGL_E_PARSE' });
    for (const t of [MSG_BUNDLE, 0]) {
      const bad = encodeBundle([{ type: t, body: bytes(1, 1) }], 100);
      assert.throws(() => decodeBundle(bad), { code: 'VGL_E_PARSE' });
    }
  });

  it('a deferred part waits for the next packet to its peer and rides in front of it', async () => {
    const sent: [number, number, Uint8Array][] = [];
    const o = new Outbox<number>(1000, (k, type, body) => sent.push([k, type, body]));
    o.defer(1, 2, bytes(3, 9));
    await Promise.resolve();
    assert.equal(sent.length, 0, 'a deferred part alone sends nothing');
    o.push(2, 1, bytes(2, 5));
    await Promise.resolve();
    assert.deepEqual(sent, [[2, 1, bytes(2, 5)]], 'another peer does not carry it');
    o.push(1, 1, bytes(4, 7));
    await Promise.resolve();
    assert.equal(sent.length, 2);
    const [k, type, body] = sent[1]!;
    assert.equal(k, 1);
    assert.equal(type, MSG_BUNDLE);
    assert.deepEqual(
      decodeBundle(body).map((p) => [p.type, p.body[0]]),
      [
        [2, 9],
        [1, 7],
      ],
    );
  });

  it('releaseDeferred sends held parts on their own; too many held release themselves', async () => {
    const sent: [number, number, Uint8Array][] = [];
    const o = new Outbox<number>(1000, (k, type, body) => sent.push([k, type, body]));
    o.defer(3, 2, bytes(1, 1));
    o.releaseDeferred();
    await Promise.resolve();
    assert.deepEqual(sent, [[3, 2, bytes(1, 1)]]);
    sent.length = 0;
    const count = (): number =>
      sent.reduce(
        (n, [, type, body]) => n + (type === MSG_BUNDLE ? decodeBundle(body).length : 1),
        0,
      );
    for (let i = 0; i < 200; i++) o.defer(i % 5, 2, bytes(1, 1));
    await Promise.resolve();
    assert.equal(count(), 0, '200 held parts stay held');
    for (let i = 0; i < 100; i++) o.defer(i % 5, 2, bytes(1, 1));
    await Promise.resolve();
    assert.equal(count(), 300, 'past the bound every held part goes, none lost');
  });

  it('clear drops what is queued', async () => {
    const sent: unknown[] = [];
    const o = new Outbox<number>(100, (...a) => sent.push(a));
    o.push(1, 1, bytes(1, 1));
    o.clear();
    await Promise.resolve();
    assert.equal(sent.length, 0);
  });
});
