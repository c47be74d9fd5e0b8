import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, waitFor } from '@vigil/testkit';
import { MSGD_PATH, MsgdCluster } from '@vigil/heartbeat/testing';
import { WireEndpoint, Writer, generateAuthkeyFile } from '@vigil/wire';

describe('wire security with real processes', { timeout: 120_000 }, () => {
  it('refuses to start with a key file others can read (VGL_E_PERMISSION)', async () => {
    await using c = await MsgdCluster.prepare({ size: 1, tag: 'perm' });
    await chmod(c.authkeyFile, 0o644);
    const r = await run(process.execPath, [MSGD_PATH, '--config', c.nodes[0]!.configPath], {
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 77);
    assert.match(r.stderr, /VGL_E_PERMISSION: authkey file .* mode 0644.*chmod 600/);
  });

  it('a node with the wrong key is refused and its packets count as auth failures', async () => {
    await using c = await MsgdCluster.prepare({ size: 3, tag: 'key' });
    const [n1, n2, n3] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0], (typeof c.nodes)[0]];
    const otherKey = join(c.dir, 'otherkey');
    await generateAuthkeyFile(otherKey);
    const cfg = JSON.parse(await readFile(n3.configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(n3.configPath, JSON.stringify({ ...cfg, authkeyFile: otherKey }));
    await Promise.all(c.nodes.map((n) => n.start()));
    const leader = await c.leader(20_000, [n1, n2]);
    assert.equal((await leader.propose('with two of three')).ok, true);
    await waitFor(
      async () => {
        const s = await n1.status();
        const p3 = s.peers.find((p) => p.name === n3.name)!;
        return (s.wire.rejected.auth ?? 0) > 5 && p3.rejected > 5 && !p3.member;
      },
      { timeoutMs: 10_000, what: "n1 to count n3's packets as auth failures" },
    );
    const s3 = await n3.status();
    assert.deepEqual(s3.members, [n3.name], 'the outsider sees nobody');
    assert.ok((s3.wire.rejected.auth ?? 0) > 5);
    assert.notEqual(s3.role, 'leader');
    const s2 = await n2.status();
    assert.ok(!s2.members.includes(n3.name));
  });

  it('random, truncated, forged and replayed packets are counted and dropped; commits go on', async () => {
    // Four configured nodes; this test process plays n4 with a raw UDP socket and the real key.
    await using c = await MsgdCluster.prepare({ size: 4, tag: 'raw' });
    const [n1, n2, n3, n4] = c.nodes as [
      (typeof c.nodes)[0],
      (typeof c.nodes)[0],
      (typeof c.nodes)[0],
      (typeof c.nodes)[0],
    ];
    await Promise.all([n1, n2, n3].map((n) => n.start()));
    const leader = await c.leader();
    const key = new Uint8Array(await readFile(c.authkeyFile));
    const me = new WireEndpoint({
      clusterId: 4242,
      nodeId: 4,
      incarnation: Date.now(),
      authkey: key,
      peers: [1, 2, 3],
    });
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(c.port, n4.host, r));
    const target = { host: n1.host, port: c.port };
    const send = (p: Uint8Array): Promise<void> =>
      new Promise((r) => sock.send(p, target.port, target.host, () => r()));
    const before = (await n1.status()).wire;
    let proposals = 0;
    const committing = (async () => {
      for (let i = 0; i < 40; i++) {
        const r = await leader.propose(`under-fire-${i}`);
        assert.equal(r.ok, true, JSON.stringify(r));
        proposals++;
      }
    })();
    const hb = (): Uint8Array =>
      new Writer(64).u8(0).f64(performance.now()).f64(-1).f64(0).finish();
    const sent = { random: 0, truncated: 0, flipped: 0, replayed: 0, unknown: 0 };
    for (let round = 0; round < 20; round++) {
      const good = me.seal(1, hb());
      await send(good); // genuine: accepted
      await send(good); // exact replay
      sent.replayed++;
      await send(randomBytes(1 + Math.floor(Math.random() * 300)));
      sent.random++;
      const t = me.seal(1, hb());
      await send(t.subarray(0, Math.floor(Math.random() * t.length)));
      sent.truncated++;
      const f = me.seal(1, hb());
      f[50 + Math.floor(Math.random() * (f.length - 50))]! ^= 0x10;
      await send(f);
      sent.flipped++;
      const stranger = new WireEndpoint({
        clusterId: 4242,
        nodeId: 99,
        incarnation: 1,
        authkey: key,
        peers: [1],
      });
      await send(stranger.seal(1, hb()));
      sent.unknown++;
      await sleep(10);
    }
    await committing;
    sock.close();
    assert.equal(proposals, 40);
    const after = await waitFor(
      async () => {
        const w = (await n1.status()).wire;
        const d = (k: string): number => (w.rejected[k] ?? 0) - (before.rejected[k] ?? 0);
        return d('replay') >= sent.replayed && d('unknown-node') >= sent.unknown ? w : false;
      },
      { timeoutMs: 10_000, what: 'n1 to count every bad packet' },
    );
    const d = (k: string): number => (after.rejected[k] ?? 0) - (before.rejected[k] ?? 0);
    assert.equal(d('replay'), sent.replayed);
    assert.equal(d('unknown-node'), sent.unknown);
    // Random bytes land in bad-magic/too-short/…, truncations in too-short or auth, flips in auth.
    const total = after.rejectedTotal - before.rejectedTotal;
    assert.ok(
      total >= sent.random + sent.truncated + sent.flipped + sent.replayed + sent.unknown,
      `${total} rejections counted`,
    );
    assert.ok(d('auth') >= sent.flipped);
    // n4's genuine heartbeats made it a member of n1's view; the cluster is intact.
    const s = await n1.status();
    assert.ok(s.peers.find((p) => p.name === 'n4')!.links[0]!.packetsIn >= 20);
    assert.equal((await leader.propose('still fine')).ok, true);
  });
});
