import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { waitFor } from '@vigil/testkit';
import { WireEndpoint } from '@vigil/wire';
import {
  DEFAULT_FRAGMENT_LIMITS,
  MSG_FRAGMENT,
  MSG_FRAGMENT_ACK,
  encodeFragment,
} from '@vigil/heartbeat';
import { MsgdCluster, type MsgdProc, type StatusReply } from '@vigil/heartbeat/testing';

/**
 * Messages larger than one packet, with real msgd processes on real UDP sockets and disks:
 * large entries replicate, a follower behind a compacted log catches up through a multi-MiB
 * snapshot, and hostile fragments are counted and dropped.
 */
const MiB = 1024 * 1024;

interface Fragments {
  messagesSent: number;
  fragmentsSent: number;
  messagesReceived: number;
  fragmentsReceived: number;
  expired: number;
  dropped: Record<string, number>;
  reassembling: { messages: number; bytes: number };
}
const frag = (s: StatusReply): Fragments => s.fragments as Fragments;

async function proposeBig(leader: MsgdProc, bytes: number): Promise<[number, string]> {
  const r = await leader.request('propose-big', `${bytes} 60000`, 90_000);
  assert.equal(r.ok, true, `propose-big ${bytes} on ${leader.name}: ${JSON.stringify(r)}`);
  return [r.index as number, r.text as string];
}

async function waitHas(node: MsgdProc, entries: readonly [number, string][]): Promise<void> {
  await waitFor(
    async () => {
      const have = new Map(await node.log());
      return entries.every(([i, t]) => have.get(i) === t) ? true : undefined;
    },
    { timeoutMs: 60_000, what: `${node.name} to apply ${entries.length} large entries` },
  );
}

describe('large messages in fragments (real msgd processes)', { timeout: 240_000 }, () => {
  it('a 3-node cluster commits a 2 MiB entry; a follower behind a compacted log catches up through a multi-MiB snapshot', async () => {
    await using c = await MsgdCluster.create({ size: 3, tag: 'frag' });
    const leader = await c.leader();
    const two = await proposeBig(leader, 2 * MiB);
    assert.match(two[1], /^big:2097152:[0-9a-f]{64}$/);
    for (const n of c.nodes) await waitHas(n, [two]);
    const ls = frag(await leader.status());
    assert.ok(ls.messagesSent >= 2, `the leader sent it in fragments: ${JSON.stringify(ls)}`);
    for (const n of c.nodes.filter((x) => x !== leader)) {
      const fs = frag(await n.status());
      assert.ok(fs.messagesReceived >= 1 && fs.fragmentsReceived >= (2 * MiB) / 65_536);
    }

    // A follower stops; the cluster commits more large entries and compacts its log.
    const lagger = c.nodes.find((n) => n !== leader)!;
    await lagger.stop();
    const more: [number, string][] = [];
    for (let i = 0; i < 3; i++) more.push(await proposeBig(leader, 1.5 * MiB));
    const compacted = await leader.request('compact', '', 30_000);
    assert.equal(compacted.ok, true, JSON.stringify(compacted));
    assert.ok(
      (compacted.bytes as number) > 6 * MiB,
      `a multi-MiB snapshot: ${String(compacted.bytes)}`,
    );
    const ld = await leader.status();
    assert.ok(
      (ld.firstIndex as number) > more[2]![0],
      'the entries the lagger misses are gone from the log',
    );
    const before = frag(ld);

    await lagger.start();
    await waitHas(lagger, [two, ...more]);
    // Its whole state is the leader's: the snapshot carried every entry, large ones whole.
    assert.deepEqual(
      (await lagger.log()).filter(([i]) => i <= (compacted.index as number)),
      (await leader.log()).filter(([i]) => i <= (compacted.index as number)),
    );
    const after = frag(await leader.status());
    assert.ok(after.messagesSent > before.messagesSent, 'the snapshot went in fragments');
    // And the log goes on after the snapshot.
    const last = await proposeBig(leader, 100_000);
    await waitHas(lagger, [last]);
    const st = await lagger.status();
    assert.equal((st.dropped as { oversizeMessages: number }).oversizeMessages, 0);
  });

  it('forged, malformed and out-of-bounds fragments are counted and dropped without effect', async () => {
    // Node n2 is never started: this test speaks as n2 with the cluster's key, and as a forger
    // without it.
    await using c = await MsgdCluster.prepare({ size: 2, tag: 'fragbad' });
    const n1 = c.nodes[0]!;
    await n1.start();
    const n1Config = JSON.parse(await readFile(n1.configPath, 'utf8')) as {
      nodes: { links: string[] }[];
    };
    const [host, port] = n1Config.nodes[0]!.links[0]!.split(':') as [string, string];
    const authkey = new Uint8Array(await readFile(c.authkeyFile));
    const asN2 = new WireEndpoint({
      clusterId: 4242,
      nodeId: 2,
      incarnation: Date.now(),
      authkey,
      peers: [1],
    });
    const forger = new WireEndpoint({
      clusterId: 4242,
      nodeId: 2,
      incarnation: Date.now() + 1,
      authkey: new Uint8Array(64).fill(7),
      peers: [1],
    });
    const sock = createSocket('udp4');
    const send = (p: Uint8Array): Promise<void> =>
      new Promise((resolve) => sock.send(p, Number(port), host, () => resolve()));
    try {
      const s0 = await n1.status();
      const f0 = frag(s0);
      const m = new Uint8Array(200_000).fill(0x5a);
      const chunk = 30_000;
      const good = (i: number): Uint8Array => encodeFragment(77, 2, m, chunk, i);
      const setU32 = (f: Uint8Array, off: number, v: number): Uint8Array => {
        const o = f.slice();
        new DataView(o.buffer).setUint32(off, v);
        return o;
      };
      // Forged: a well-formed fragment sealed with the wrong key.
      await send(forger.seal(MSG_FRAGMENT, good(0)));
      const malformed = [
        setU32(good(1), 4, 99), // index past the count
        setU32(good(1), 8, 3), // a count that does not match
        good(1).subarray(0, good(1).length - 10), // short of its bytes
        good(1).subarray(0, 12), // shorter than a header
        encodeFragment(78, MSG_FRAGMENT, m, chunk, 0), // a fragment inside a fragment
      ];
      const maxMsg = DEFAULT_FRAGMENT_LIMITS.maxMessageBytes;
      const overLimit = [
        // Declares a message one byte beyond the largest (the header alone, count consistent).
        (() => {
          const f = encodeFragment(79, 2, m, chunk, 0);
          const big = setU32(setU32(f, 12, maxMsg + 1), 8, Math.ceil((maxMsg + 1) / chunk));
          return big;
        })(),
      ];
      // One valid first fragment (a partial message that never completes), then its
      // contradicting twin (same id, other total).
      await send(asN2.seal(MSG_FRAGMENT, good(0)));
      const twin = setU32(setU32(good(1), 12, 190_000), 8, Math.ceil(190_000 / chunk));
      for (const f of [...malformed, ...overLimit, twin]) await send(asN2.seal(MSG_FRAGMENT, f));
      await send(asN2.seal(MSG_FRAGMENT_ACK, new Uint8Array(3))); // an ack of the wrong size

      const s1 = await waitFor(
        async () => {
          const s = await n1.status();
          return frag(s).dropped.overLimit! > f0.dropped.overLimit! &&
            s.wire.rejected.auth! > s0.wire.rejected.auth!
            ? s
            : undefined;
        },
        { timeoutMs: 10_000, what: 'n1 to count the bad fragments' },
      );
      const f1 = frag(s1);
      assert.equal(s1.wire.rejected.auth! - s0.wire.rejected.auth!, 1, 'the forged one');
      assert.equal(f1.dropped.malformed! - f0.dropped.malformed!, malformed.length + 1);
      assert.equal(f1.dropped.overLimit! - f0.dropped.overLimit!, overLimit.length);
      assert.equal(
        s1.wire.rejected['malformed-body']! - s0.wire.rejected['malformed-body']!,
        malformed.length + overLimit.length + 2,
        'every refused fragment and the bad ack count on the wire too',
      );
      assert.equal(f1.fragmentsReceived - f0.fragmentsReceived, 1, 'only the valid one');
      assert.deepEqual(f1.reassembling, { messages: 1, bytes: m.length });
      assert.equal(f1.messagesReceived, f0.messagesReceived, 'nothing was delivered');
      // The partial message is dropped at its deadline.
      const s2 = await waitFor(
        async () => {
          const s = await n1.status();
          return frag(s).expired > f0.expired ? s : undefined;
        },
        { timeoutMs: 20_000, what: 'the partial message to expire' },
      );
      assert.deepEqual(frag(s2).reassembling, { messages: 0, bytes: 0 });
      // Without effect: n1 runs, its Raft state is untouched.
      assert.equal(s2.term, s0.term);
      assert.equal(s2.commit, s0.commit);
      assert.ok(n1.running);
    } finally {
      sock.close();
    }
  });
});
