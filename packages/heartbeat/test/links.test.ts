import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { needs, run, runOk } from '@vigil/testkit';
import { MsgdCluster } from '@vigil/heartbeat/testing';

const IP = { timeoutMs: 10_000 };

/**
 * Three network namespaces, each with two interfaces on two bridges: two real links per node
 * that can be cut one at a time with `ip link set down`.
 */
async function twoLinkHosts(
  tag: string,
  n: number,
): Promise<{ ns: string[]; destroy: () => Promise<void> }> {
  const ns = Array.from({ length: n }, (_, k) => `vgl-${tag}${k + 1}`);
  const bridges = [`vgl-${tag}a`, `vgl-${tag}b`];
  const destroy = async (): Promise<void> => {
    for (const x of ns) await run('ip', ['netns', 'del', x], IP);
    for (const b of bridges) await run('ip', ['link', 'del', b], IP);
  };
  await destroy();
  try {
    for (const b of bridges) {
      await runOk('ip', ['link', 'add', b, 'type', 'bridge'], IP);
      await runOk('ip', ['link', 'set', b, 'up'], IP);
    }
    for (const [k, x] of ns.entries()) {
      await runOk('ip', ['netns', 'add', x], IP);
      await runOk('ip', ['-n', x, 'link', 'set', 'lo', 'up'], IP);
      for (const [i, b] of bridges.entries()) {
        const host = `${x}${i}h`;
        await run('ip', ['link', 'del', host], IP);
        await runOk(
          'ip',
          ['link', 'add', host, 'type', 'veth', 'peer', 'name', `eth${i}`, 'netns', x],
          IP,
        );
        await runOk('ip', ['link', 'set', host, 'master', b], IP);
        await runOk('ip', ['link', 'set', host, 'up'], IP);
        await runOk(
          'ip',
          ['-n', x, 'addr', 'add', `10.231.${i + 1}.${k + 1}/24`, 'dev', `eth${i}`],
          IP,
        );
        await runOk('ip', ['-n', x, 'link', 'set', `eth${i}`, 'up'], IP);
      }
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return { ns, destroy };
}

describe('two links per node (network namespaces)', { timeout: 120_000 }, () => {
  it(
    'losing one link is a link event, not a membership change; losing both is',
    needs('root', 'cmd:ip'),
    async () => {
      const tag = `l${Math.floor(Math.random() * 1000)}`;
      const hosts = await twoLinkHosts(tag, 3);
      try {
        await using c = await MsgdCluster.create({
          size: 3,
          links: 2,
          tag: 'links',
          address: (k, i) => `10.231.${i + 1}.${k + 1}:5405`,
          wrap: (k) => ['ip', 'netns', 'exec', hosts.ns[k]!],
        });
        const leader = await c.leader(30_000);
        const watcher = c.nodes.find((n) => n !== leader)!;
        const victim = c.nodes.find((n) => n !== leader && n !== watcher)!;
        const vns = hosts.ns[victim.index]!;
        const t0 = performance.now();
        await runOk('ip', ['-n', vns, 'link', 'set', 'eth1', 'down'], IP);
        await watcher.waitEvent(
          (e) =>
            e.event.type === 'link' &&
            e.event.peer === victim.name &&
            e.event.link === 1 &&
            e.event.up === false,
          10_000,
          'link 1 of the victim to go down',
          t0,
        );
        await sleep(1500);
        assert.ok(
          !watcher.events.some((e) => e.atMs >= t0 && e.event.type === 'membership'),
          'one link lost: no membership change',
        );
        const s = await watcher.status();
        const p = s.peers.find((x) => x.name === victim.name)!;
        assert.equal(p.member, true);
        assert.deepEqual(
          p.links.map((l) => l.state),
          ['up', 'down'],
        );
        assert.equal((await leader.propose('over the other link')).ok, true);
        // Link back: a link-up event.
        await runOk('ip', ['-n', vns, 'link', 'set', 'eth1', 'up'], IP);
        await watcher.waitEvent(
          (e) =>
            e.event.type === 'link' &&
            e.event.peer === victim.name &&
            e.event.link === 1 &&
            e.event.up === true,
          10_000,
          'link 1 to come back',
          t0,
        );
        // Both links lost: now it is a membership change.
        await runOk('ip', ['-n', vns, 'link', 'set', 'eth0', 'down'], IP);
        await runOk('ip', ['-n', vns, 'link', 'set', 'eth1', 'down'], IP);
        await watcher.waitEvent(
          (e) =>
            e.event.type === 'membership' && e.event.peer === victim.name && e.event.up === false,
          10_000,
          'the victim to leave the membership',
          t0,
        );
        assert.equal((await leader.propose('with two of three')).ok, true);
      } finally {
        await hosts.destroy();
      }
    },
  );
});
