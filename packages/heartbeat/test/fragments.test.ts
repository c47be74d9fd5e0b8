import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_FRAGMENT_LIMITS,
  FRAGMENT_HEADER_BYTES,
  MIN_CHUNK_BYTES,
  Reassembler,
  encodeFragment,
  fragmentCount,
  type FragmentLimits,
} from '@vigil/heartbeat/core';

/** The pure reassembly of fragmented messages: exactness, bounds, deadlines. */
const FORBIDDEN = (t: number): boolean => t === 4 || t === 5 || t === 6;
const limits = (over: Partial<FragmentLimits> = {}): FragmentLimits => ({
  ...DEFAULT_FRAGMENT_LIMITS,
  ...over,
});

function message(n: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    m[i] = x & 0xff;
  }
  return m;
}

function fragments(id: number, type: number, m: Uint8Array, chunk: number): Uint8Array[] {
  return Array.from({ length: fragmentCount(m.length, chunk) }, (_, i) =>
    encodeFragment(id, type, m, chunk, i),
  );
}

/** Rewrites one u32 field of a fragment's header (offsets as in core/fragments.ts). */
function withField(f: Uint8Array, offset: number, value: number): Uint8Array {
  const out = f.slice();
  new DataView(out.buffer).setUint32(offset, value);
  return out;
}

describe('fragment reassembly (pure)', () => {
  it('reassembles any message from its fragments in any order, each exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_CHUNK_BYTES + 1, max: 40_000 }),
        fc.integer({ min: MIN_CHUNK_BYTES, max: 4096 }),
        fc.integer(),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (size, chunk, seed, id) => {
          const m = message(size, seed);
          const fs = fragments(id, 2, m, chunk);
          fc.pre(fs.length >= 2);
          // A deterministic shuffle from the seed.
          const order = fs
            .map((_, i) => i)
            .sort((a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97));
          const r = new Reassembler(limits(), FORBIDDEN);
          let done: Uint8Array | undefined;
          for (const [k, i] of order.entries()) {
            const res = r.push(1, 10, fs[i]!, k);
            if (k < order.length - 1) assert.equal(res.kind, 'partial');
            else if (res.kind === 'complete') done = res.body;
          }
          assert.ok(done, 'complete after the last fragment');
          assert.deepEqual(done, m);
          assert.equal(r.pending().messages, 0);
          assert.equal(r.counters.messagesReceived, 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('drops malformed and out-of-bounds fragments without touching a partial message', () => {
    const r = new Reassembler(limits({ maxMessageBytes: 64 * 1024, maxFragments: 40 }), FORBIDDEN);
    const m = message(10_000, 3);
    const fs = fragments(9, 2, m, 2048);
    assert.equal(r.push(1, 5, fs[0]!, 0).kind, 'partial');
    const bad: [string, Uint8Array, 'malformed' | 'overLimit'][] = [
      ['too short', fs[1]!.subarray(0, FRAGMENT_HEADER_BYTES - 1), 'malformed'],
      ['index past count', withField(fs[1]!, 4, 5), 'malformed'],
      ['count not matching total and chunk', withField(fs[1]!, 8, 6), 'malformed'],
      ['one byte short', fs[1]!.subarray(0, fs[1]!.length - 1), 'malformed'],
      ['chunk below the minimum', encodeFragment(10, 2, message(3000, 1), 512, 0), 'malformed'],
      ['a nested fragment', encodeFragment(11, 5, m, 2048, 0), 'malformed'],
      ['a nested bundle', encodeFragment(12, 4, m, 2048, 0), 'malformed'],
      ['type 0', encodeFragment(13, 0, m, 2048, 0), 'malformed'],
      ['a single fragment', encodeFragment(14, 2, message(1500, 2), 2048, 0), 'malformed'],
      [
        'larger than the largest message',
        encodeFragment(15, 2, message(70_000, 2), 32_768, 0),
        'overLimit',
      ],
      [
        'more fragments than allowed',
        encodeFragment(16, 2, message(50_000, 2), 1024, 0),
        'overLimit',
      ],
    ];
    for (const [what, f, reason] of bad) {
      const res = r.push(1, 5, f, 1);
      assert.deepEqual(res, { kind: 'dropped', reason }, what);
    }
    // Same message id, other geometry: contradicts the first fragment.
    const other = fragments(9, 2, message(12_000, 4), 2048);
    assert.deepEqual(r.push(1, 5, other[1]!, 2), { kind: 'dropped', reason: 'malformed' });
    assert.equal(r.counters.malformed, bad.filter((b) => b[2] === 'malformed').length + 1);
    assert.equal(r.counters.overLimit, 2);
    // The partial message is intact: the rest of its own fragments complete it.
    let done: Uint8Array | undefined;
    for (const f of fs.slice(1)) {
      const res = r.push(1, 5, f, 3);
      if (res.kind === 'complete') done = res.body;
    }
    assert.deepEqual(done, m);
    // A late copy of a completed message's fragment starts nothing.
    assert.deepEqual(r.push(1, 5, fs[2]!, 4), { kind: 'dropped', reason: 'stale' });
    assert.equal(r.pending().messages, 0);
  });

  it('bounds partial messages per peer, expires them, and forgets a restarted sender', () => {
    const r = new Reassembler(
      limits({ maxReassembliesPerPeer: 2, reassemblyIdleMs: 100, reassemblyMaxMs: 1000 }),
      FORBIDDEN,
    );
    const first = (id: number): Uint8Array => encodeFragment(id, 3, message(5000, id), 2048, 0);
    for (const id of [1, 2, 3]) assert.equal(r.push(7, 1, first(id), 0).kind, 'partial');
    assert.equal(r.counters.evicted, 1, 'the oldest of three gave way');
    assert.deepEqual(r.pending(), { messages: 2, bytes: 10_000 });
    assert.equal(r.push(8, 1, first(1), 50).kind, 'partial', 'another peer has its own room');
    assert.equal(r.nextDeadlineMs(), 100);
    assert.equal(r.expire(99), 0);
    assert.equal(r.expire(100), 2, "peer 7's two partials fell due");
    assert.equal(r.counters.expired, 2);
    // Peer 8 restarts: its partial from the old incarnation is dropped, old ones refused.
    assert.equal(r.push(8, 2, first(1), 120).kind, 'partial');
    assert.equal(r.counters.restarted, 1);
    assert.deepEqual(r.push(8, 1, first(5), 121), { kind: 'dropped', reason: 'stale' });
    // A message that keeps receiving still falls due at the absolute deadline.
    for (let t = 150; t < 1120; t += 50)
      r.push(8, 2, encodeFragment(1, 3, message(5000, 1), 2048, 1), t);
    assert.ok(r.expire(1120) >= 1);
    assert.equal(r.pending().messages, 0);
  });

  it('bounds partial messages across all peers: a sender gives up its own, others are refused', () => {
    const r = new Reassembler(
      limits({
        maxReassembliesPerPeer: 4,
        maxReassemblyBytesPerPeer: 12_000,
        maxReassemblyBytesTotal: 20_000,
        reassemblyIdleMs: 100,
        reassemblyMaxMs: 1000,
      }),
      FORBIDDEN,
    );
    const frag = (id: number, i: number): Uint8Array =>
      encodeFragment(id, 3, message(5000, id), 2048, i);
    // Four peers, one 5000-byte message each: the node-wide 20 000 bytes are taken.
    for (const peer of [1, 2, 3, 4])
      assert.equal(r.push(peer, 1, frag(peer, 0), 0).kind, 'partial');
    assert.deepEqual(r.pending(), { messages: 4, bytes: 20_000 });
    // A fifth peer's new message does not fit: refused whole, nobody else's is touched.
    assert.deepEqual(r.push(5, 1, frag(50, 0), 1), { kind: 'dropped', reason: 'overBudget' });
    assert.deepEqual(r.push(5, 1, frag(50, 1), 2), { kind: 'dropped', reason: 'stale' });
    assert.equal(r.counters.overBudget, 1);
    assert.equal(r.counters.evicted, 0);
    assert.deepEqual(r.pending(), { messages: 4, bytes: 20_000 });
    // Peer 1's newer message fits within its own bounds, but not the node's: its older one,
    // lost since it sends one at a time, gives way.
    assert.equal(r.push(1, 1, frag(11, 0), 3).kind, 'partial');
    assert.equal(r.counters.evicted, 1);
    assert.deepEqual(r.pending(), { messages: 4, bytes: 20_000 });
    // The others complete, exactly, and free their room.
    for (const peer of [2, 3, 4]) {
      assert.equal(r.push(peer, 1, frag(peer, 1), 4).kind, 'partial');
      const done = r.push(peer, 1, frag(peer, 2), 5);
      assert.equal(done.kind, 'complete');
      assert.deepEqual(done.body, message(5000, peer));
    }
    assert.deepEqual(r.pending(), { messages: 1, bytes: 5000 });
    assert.equal(r.push(5, 1, frag(51, 0), 6).kind, 'partial', 'room again for a new message');
    // Expiry and a sender's restart give back their bytes too.
    assert.equal(r.expire(106), 2);
    assert.deepEqual(r.pending(), { messages: 0, bytes: 0 });
    for (const peer of [6, 7, 8, 9]) r.push(peer, 1, frag(peer, 0), 200);
    assert.equal(r.push(6, 2, frag(60, 0), 201).kind, 'partial', 'restarted sender');
    assert.equal(r.counters.restarted, 1);
    assert.deepEqual(r.pending(), { messages: 4, bytes: 20_000 });
    // A message larger than the node-wide bound can never fit: over the limits.
    const big = encodeFragment(99, 3, message(24_000, 99), 2048, 0);
    const wide = new Reassembler(
      limits({ maxReassemblyBytesPerPeer: 32_000, maxReassemblyBytesTotal: 20_000 }),
      FORBIDDEN,
    );
    assert.deepEqual(wide.push(1, 1, big, 0), { kind: 'dropped', reason: 'overLimit' });
  });

  it('never holds more than the node-wide bound, whatever many peers send', () => {
    const TOTAL = 40_000;
    const step = fc.record({
      peer: fc.integer({ min: 1, max: 32 }),
      id: fc.integer({ min: 1, max: 6 }),
      size: fc.constantFrom(3000, 5000, 9000),
      index: fc.nat(4),
      restart: fc.boolean(),
      dtMs: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const r = new Reassembler(
          limits({
            maxReassembliesPerPeer: 3,
            maxReassemblyBytesPerPeer: 16_000,
            maxReassemblyBytesTotal: TOTAL,
            reassemblyIdleMs: 100,
            reassemblyMaxMs: 400,
          }),
          FORBIDDEN,
        );
        const incarnation = new Map<number, number>();
        let now = 0;
        for (const s of steps) {
          now += s.dtMs;
          if (s.restart && s.index === 0)
            incarnation.set(s.peer, (incarnation.get(s.peer) ?? 1) + 1);
          const inc = incarnation.get(s.peer) ?? 1;
          // A message's content is a function of (peer, incarnation, id): its size too.
          const m = message(s.size, s.peer * 1000 + inc * 10 + s.id);
          const count = fragmentCount(m.length, 2048);
          const res = r.push(s.peer, inc, encodeFragment(s.id, 3, m, 2048, s.index % count), now);
          if (res.kind === 'complete') assert.deepEqual(res.body, m);
          const p = r.pending();
          assert.ok(p.bytes <= TOTAL, `${p.bytes} bytes held`);
          assert.ok(p.bytes >= 0 && p.messages <= 32 * 3);
          if (s.dtMs > 30) r.expire(now);
        }
        r.expire(now + 1000);
        assert.deepEqual(r.pending(), { messages: 0, bytes: 0 }, 'every byte given back');
      }),
      { numRuns: 200 },
    );
  });
});
