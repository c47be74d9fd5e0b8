import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isVigilError } from '@vigil/base';
import {
  LocalCluster,
  MAX_ENTRY_BYTES,
  ReplicatedState,
  callDaemon,
  cibModel,
  type StatusView,
} from '@vigil/daemon';
import type { Cib, CibEntry } from '@vigil/controller';
import { needs, run, tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * A large CIB end to end, with three real vigild: `vigil config import` of a multi-MiB Pacemaker
 * CIB on a follower (forwarded to the DC over the application channel, one log entry, both
 * larger than a packet) reaches every node, and a node that was down while the log was compacted
 * catches up through a snapshot of that CIB (sent in fragments).
 */
const NODES = ['a', 'b', 'c'];
const req = needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy');
const WAIT_MS = 60_000;
const VIGIL = fileURLToPath(new URL('../../../cli/bin/vigil.js', import.meta.url));
const RESOURCES = 100;
/** Random hex per resource: 100 x 24 KiB = 2.4 MiB of XML that deflates only to about half. */
const PARAM_BYTES = 24 * 1024;

let dir: TempDir;
let cluster: LocalCluster;

interface Messaging {
  commit: number;
  firstIndex: number;
  fragments: { messagesSent: number; messagesReceived: number };
  dropped: { oversizeMessages: number };
}

function bigCib(): string {
  const prims = Array.from({ length: RESOURCES }, (_, i) => {
    const id = `big${i}`;
    const fake = randomBytes(PARAM_BYTES / 2).toString('hex');
    return (
      `<primitive id="${id}" class="ocf" provider="heartbeat" type="Dummy">` +
      `<instance_attributes id="${id}-ia"><nvpair id="${id}-fake" name="fake" value="${fake}"/></instance_attributes>` +
      `<meta_attributes id="${id}-ma"><nvpair id="${id}-tr" name="target-role" value="Stopped"/></meta_attributes>` +
      `</primitive>`
    );
  });
  return (
    `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">` +
    `<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">` +
    `<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>` +
    `</cluster_property_set></crm_config><nodes/>` +
    `<resources>${prims.join('')}</resources><constraints/></configuration><status/></cib>`
  );
}

async function statusOf(node: string): Promise<StatusView | undefined> {
  try {
    return (await callDaemon(cluster.socket(node), 'status', {}, 5000)) as StatusView;
  } catch {
    return undefined;
  }
}

async function cibOf(node: string): Promise<Cib | undefined> {
  try {
    return (await callDaemon(cluster.socket(node), 'cib', {}, 10_000)) as Cib;
  } catch {
    return undefined;
  }
}

async function messaging(node: string): Promise<Messaging> {
  return (await callDaemon(cluster.socket(node), 'messaging', {}, 5000)) as Messaging;
}

const digest = (c: Cib): string =>
  createHash('sha256').update(JSON.stringify(c.config)).digest('hex');

describe('a multi-MiB CIB across the cluster (3 real vigild)', req, () => {
  before(async () => {
    dir = await tempDir('large-cib');
    const port = 20_000 + ((process.pid + 7919) % 20_000);
    cluster = new LocalCluster({
      dir: dir.path,
      name: `big${process.pid}`,
      nodes: NODES,
      port,
      firstHost: 20 + ((process.pid + 101) % 200),
      timing: {
        heartbeatIntervalMs: 100,
        warntimeMs: 500,
        deadtimeMs: 1000,
        electionTimeoutMs: 1000,
      },
    });
    await cluster.create();
    for (const n of NODES) cluster.start(n);
  });

  after(async () => {
    await cluster.stopAll().catch(() => undefined);
    await dir[Symbol.asyncDispose]();
  });

  it('imports a multi-MiB CIB through a follower, and a node down during compaction catches up from the snapshot', async () => {
    const dc = await waitFor(
      async () => {
        const s = await statusOf('a');
        return s?.dc && s.quorate ? s.dc : undefined;
      },
      { timeoutMs: WAIT_MS, what: 'a DC with quorum' },
    );
    const [follower, lagger] = NODES.filter((n) => n !== dc) as [string, string];
    const file = join(dir.path, 'big.xml');
    const xml = bigCib();
    assert.ok(xml.length > 2 * 1024 * 1024);
    await writeFile(file, xml);
    const r = await run(
      process.execPath,
      [VIGIL, 'config', 'import', file, '--socket', cluster.socket(follower)],
      { timeoutMs: WAIT_MS },
    );
    assert.equal(r.code, 0, `vigil config import: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`imported ${RESOURCES} resources`));
    const want = await waitFor(
      async () => {
        const c = await cibOf(dc);
        return c?.config.resources.length === RESOURCES ? digest(c) : undefined;
      },
      { timeoutMs: WAIT_MS, what: 'the DC to apply the import' },
    );
    for (const n of NODES)
      await waitFor(
        async () => {
          const c = await cibOf(n);
          return c && digest(c) === want ? true : undefined;
        },
        { timeoutMs: WAIT_MS, what: `${n} to apply the same configuration` },
      );

    // The lagger goes down; enough changes follow for the log to be compacted past it.
    const before = await messaging(lagger);
    // Whoever leads sends the snapshot, whenever it starts to (under load the DC may change).
    const up = NODES.filter((n) => n !== lagger);
    const sentBefore = (await Promise.all(up.map(messaging))).reduce(
      (n, m) => n + m.fragments.messagesSent,
      0,
    );
    await cluster.powerOff(lagger);
    const batches = Array.from({ length: 9 }, (_, b) =>
      Array.from({ length: 64 }, (_, i) => ({
        op: 'property-set',
        name: `test-counter-${b}`,
        value: String(i),
      })),
    );
    await Promise.all(
      batches.map((entries) => callDaemon(cluster.socket(dc), 'changes', { entries }, WAIT_MS)),
    );
    await waitFor(
      async () => {
        const m = await messaging(dc);
        return m.firstIndex > before.commit + 1 ? m : undefined;
      },
      { timeoutMs: WAIT_MS, what: `the DC to compact its log past ${lagger}'s last entry` },
    );
    const final = await cibOf(dc);
    assert.ok(final);

    cluster.start(lagger);
    await waitFor(
      async () => {
        const c = await cibOf(lagger);
        return c && c.version >= final.version && digest(c) === digest(final) ? true : undefined;
      },
      { timeoutMs: WAIT_MS, what: `${lagger} to catch up with the DC's configuration` },
    );
    const lm = await messaging(lagger);
    assert.ok(lm.fragments.messagesReceived >= 1, 'the snapshot came in fragments');
    assert.ok(lm.firstIndex > before.commit, `${lagger} installed a snapshot past its old log`);
    const after = await Promise.all(up.map(messaging));
    assert.ok(
      after.reduce((n, m) => n + m.fragments.messagesSent, 0) > sentBefore,
      'the leader sent it in fragments',
    );
    for (const m of after) assert.equal(m.dropped.oversizeMessages, 0);
  });
});

describe('a change too large for one log entry', () => {
  it('is refused with VGL_E_LIMIT naming its size and the limit, and nothing is proposed', async () => {
    let proposed = 0;
    const rcib = new ReplicatedState<Cib, CibEntry>(
      cibModel,
      () => undefined,
      () => undefined,
    );
    rcib.attach({
      propose: () => {
        proposed++;
        return Promise.resolve(1);
      },
      compactLog: () => Promise.resolve(),
    });
    // Random hex deflates to about half: twice the limit of it stays above the limit.
    const xml = randomBytes(MAX_ENTRY_BYTES).toString('hex');
    await assert.rejects(rcib.propose({ op: 'config-replace', xml }, 'test', 10_000), (e) => {
      assert.ok(isVigilError(e) && e.code === 'VGL_E_LIMIT', String(e));
      assert.match(
        e.message,
        new RegExp(
          `CIB change: \\d+ bytes \\([\\d.]+ MiB\\) after compression exceed the ${MAX_ENTRY_BYTES} bytes \\(8\\.0 MiB\\) limit`,
        ),
      );
      assert.ok((e.details.bytes as number) > MAX_ENTRY_BYTES);
      return true;
    });
    assert.equal(proposed, 0);
  });
});
