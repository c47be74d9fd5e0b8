import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FRAGMENT_WINDOW,
  LargeMessages,
  MIN_FRAGMENT_WINDOW,
  RESTART_CHECK_MS,
  STALL_MS,
  windowFor,
} from '@vigil/heartbeat';
import { decodeFragment } from '@vigil/heartbeat/core';
import { ManualClock } from './manual-clock.js';

// The sender's pacing and bounds, on a hand-driven clock; both ends wired back to back.

const BODY = 60 * 1024 - 60;
/** Fragments waiting on the wire (a call: assertions must not narrow the length for good). */
const onWire = (wire: readonly Uint8Array[]): number => wire.length;

function pair() {
  const clock = new ManualClock();
  const wire: Uint8Array[] = [];
  const acks: Uint8Array[] = [];
  const delivered: Uint8Array[] = [];
  const tx = new LargeMessages(clock, BODY, {
    sendFragment: (_peer, body) => wire.push(body),
    sendAck: () => undefined,
    deliver: () => undefined,
  });
  const rx = new LargeMessages(clock, BODY, {
    sendFragment: () => undefined,
    sendAck: (_peer, body) => acks.push(body),
    deliver: (_peer, _type, body) => delivered.push(body),
  });
  /** Hands every fragment on the wire to the receiver, then its acks to the sender. */
  const deliverAll = (): void => {
    for (const f of wire.splice(0)) rx.onFragment(1, 1, f);
    for (const a of acks.splice(0)) tx.onAck(2, a);
  };
  return { clock, wire, tx, rx, delivered, deliverAll };
}

describe('large messages: the sender window', () => {
  it('sizes the window to the receive buffer the kernel granted', () => {
    const packet = 60 * 1024;
    // Linux's default maximum: 212992 asked, twice that counted.
    assert.equal(windowFor(2 * 212_992, packet), 3);
    assert.equal(windowFor(2 * 4 * 1024 * 1024, packet), FRAGMENT_WINDOW);
    assert.equal(windowFor(0, packet), MIN_FRAGMENT_WINDOW, 'unknown: the smallest');
    const sent: Uint8Array[] = [];
    const tx = new LargeMessages(
      new ManualClock(),
      BODY,
      {
        sendFragment: (_p, b) => sent.push(b),
        sendAck: () => undefined,
        deliver: () => undefined,
      },
      undefined,
      3,
    );
    tx.send(2, 2, new Uint8Array(1024 * 1024));
    assert.equal(sent.length, 3);
    assert.equal(tx.stats().window, 3);
  });

  it('never has more than the window unacknowledged, and acks release the rest', () => {
    const { wire, tx, delivered, deliverAll } = pair();
    const msg = new Uint8Array(2 * 1024 * 1024).map((_, i) => i * 31);
    assert.ok(tx.send(2, 2, msg));
    assert.equal(onWire(wire), FRAGMENT_WINDOW, 'a full window, then it waits');
    let rounds = 0;
    while (wire.length > 0) {
      assert.ok(wire.length <= FRAGMENT_WINDOW);
      deliverAll();
      rounds++;
    }
    assert.equal(delivered.length, 1);
    assert.deepEqual(delivered[0], msg);
    const count = Math.ceil(msg.length / tx.chunkBytes);
    assert.equal(tx.stats().fragmentsSent, count);
    assert.ok(rounds >= count / FRAGMENT_WINDOW, `${rounds} round trips for ${count} fragments`);
    assert.equal(tx.stats().messagesSent, 1);
  });

  it('counts the window across messages: small ones do not go out all at once', () => {
    const { wire, tx, delivered, deliverAll } = pair();
    for (let i = 0; i < 6; i++) assert.ok(tx.send(2, 2, new Uint8Array(100 * 1024).fill(i)));
    assert.equal(onWire(wire), FRAGMENT_WINDOW);
    while (wire.length > 0) deliverAll();
    assert.equal(delivered.length, 6);
    assert.deepEqual(
      delivered.map((d) => d[0]),
      [0, 1, 2, 3, 4, 5],
    );
  });

  it('gives a message up when no ack comes, and sends the next one', () => {
    const { clock, wire, tx } = pair();
    const a = new Uint8Array(1024 * 1024);
    const b = new Uint8Array(200 * 1024);
    tx.send(2, 2, a);
    tx.send(2, 2, b);
    assert.equal(wire.length, FRAGMENT_WINDOW);
    clock.advance(STALL_MS - 1);
    assert.equal(wire.length, FRAGMENT_WINDOW, 'still waiting');
    clock.advance(RESTART_CHECK_MS);
    assert.equal(tx.stats().dropped.stalled, 1);
    const next = wire.slice(FRAGMENT_WINDOW).map((f) => decodeFragment(f)!);
    assert.equal(next.length, Math.ceil(b.length / tx.chunkBytes));
    assert.ok(next.every((f) => f.totalBytes === b.length && f.messageId === next[0]!.messageId));
  });

  it('gives a message up at once when the peer restarts (it lost the fragments it had)', () => {
    const clock = new ManualClock();
    const wire: Uint8Array[] = [];
    let inc = 5;
    const tx = new LargeMessages(clock, BODY, {
      sendFragment: (_peer, body) => wire.push(body),
      sendAck: () => undefined,
      deliver: () => undefined,
      peerIncarnation: () => inc,
    });
    tx.send(2, 2, new Uint8Array(1024 * 1024));
    tx.send(2, 2, new Uint8Array(200 * 1024));
    clock.advance(3 * RESTART_CHECK_MS);
    assert.equal(onWire(wire), FRAGMENT_WINDOW, 'the same peer: it waits for acks');
    inc = 6;
    clock.advance(RESTART_CHECK_MS);
    assert.equal(tx.stats().dropped.peerRestarted, 1);
    assert.equal(tx.stats().dropped.stalled, 0);
    assert.equal(
      wire.length,
      FRAGMENT_WINDOW + 4,
      'the next message went out to the new incarnation',
    );
  });

  it('does not queue the same keyed message twice while it is on its way, and bounds the queue', () => {
    const { clock, wire, tx, deliverAll } = pair();
    const snap = new Uint8Array(300 * 1024);
    assert.equal(tx.send(2, 2, snap, 's:1:10'), true);
    assert.equal(tx.send(2, 2, snap, 's:1:10'), false);
    assert.equal(tx.stats().dropped.coalesced, 1);
    while (wire.length > 0) deliverAll();
    assert.equal(tx.send(2, 2, snap, 's:1:10'), false, 'held just after it went out');
    clock.advance(1000);
    assert.equal(tx.send(2, 2, snap, 's:1:10'), true, 'a resend later goes out again');
    // Nothing acknowledged from here on: the window stays full and the queue fills.
    for (let i = 0; i < 20; i++) tx.send(2, 2, new Uint8Array(100 * 1024));
    assert.ok(tx.stats().dropped.queueFull > 0);
    assert.ok(tx.stats().queued <= 8);
    assert.equal(tx.send(2, 2, new Uint8Array(16 * 1024 * 1024 + 1)), false, 'beyond the limit');
  });
});
