import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import type { Cib, CibEntry } from '@vigil/controller';
import {
  ClusterLink,
  ReplicatedState,
  cibModel,
  messagingConfig,
  parseClusterConfig,
  writeAuthkey,
  type ClusterConfig,
} from '@vigil/daemon';
import { tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * The CIB as the Raft state machine, over three real ClusterLinks (MessagingNode, UDP on
 * 127.0.0.x, the Raft log on disk) in this process, and the request channel between them.
 */
const NAMES = ['a', 'b', 'c'];
const CHECKPOINT_EVERY = 8;

interface Member {
  link: ClusterLink;
  rcib: ReplicatedState<Cib, CibEntry>;
}

let dir: TempDir;
let cfg: ClusterConfig;
const members = new Map<string, Member>();
/** Runs of the `slow` handler per argument, on every node. */
const slowRuns = new Map<number, number>();

async function startMember(name: string): Promise<Member> {
  const rcib = new ReplicatedState(
    cibModel,
    () => undefined,
    () => undefined,
    CHECKPOINT_EVERY,
  );
  const link = await ClusterLink.start(
    messagingConfig(cfg, name, join(dir.path, name), join(dir.path, 'authkey')),
    {
      onCommitted: (e) => rcib.onCommitted(e),
      onSnapshot: (s) => rcib.onSnapshot(s),
      onEvent: () => undefined,
      onRequest: async (from, method, body) => {
        if (method === 'echo') return { from, to: name, body };
        if (method === 'slow') {
          const n = (body as { n: number }).n;
          slowRuns.set(n, (slowRuns.get(n) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 600));
          return (body as { n: number }).n * 2;
        }
        throw new Error(`no method ${method}`);
      },
      log: () => undefined,
    },
  );
  rcib.attach(link);
  const m = { link, rcib };
  members.set(name, m);
  return m;
}

async function leader(): Promise<Member> {
  return waitFor(() => [...members.values()].find((m) => m.link.isReadyLeader), {
    timeoutMs: 20_000,
    what: 'a ready leader',
  });
}

const prim = (id: string): CibEntry => ({
  op: 'rsc-create',
  def: {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'heartbeat',
    type: 'Dummy',
    params: {},
    meta: {},
    ops: [],
  },
});

describe('the replicated CIB over the Raft log', { timeout: 120_000 }, () => {
  before(async () => {
    dir = await tempDir('rcib');
    await writeAuthkey(join(dir.path, 'authkey'));
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const host = 2 + Math.floor(Math.random() * 200);
    cfg = parseClusterConfig(
      [
        'cluster: rcib-test',
        'authkey: authkey',
        // Generous timing: CI runs this next to other tests on 2 cores.
        'timing: { heartbeatIntervalMs: 100, warntimeMs: 500, deadtimeMs: 1000, electionTimeoutMs: 1000 }',
        'nodes:',
        ...NAMES.map((n, i) => `  - { name: ${n}, links: ["127.0.0.${host + i}:${port}"] }`),
      ].join('\n'),
    );
    for (const n of NAMES) await startMember(n);
  });

  after(async () => {
    for (const m of members.values()) await m.link.close();
    await dir[Symbol.asyncDispose]();
  });

  it('every node applies committed changes in order; history says who and when', async () => {
    const l = await leader();
    const t0 = Date.now();
    await l.rcib.propose(prim('r1'), 'alice@host', 5000);
    const index = await l.rcib.propose(prim('r2'), 'bob@host', 5000);
    for (const m of members.values()) await m.rcib.waitApplied(index, 10_000);
    const cibs = [...members.values()].map((m) => JSON.stringify(m.rcib.state));
    assert.equal(new Set(cibs).size, 1, 'every copy is the same');
    const h = l.rcib.state.history;
    assert.deepEqual(
      h.slice(-2).map((x) => [x.who, x.what]),
      [
        ['alice@host', 'create primitive r1 (ocf:heartbeat:Dummy)'],
        ['bob@host', 'create primitive r2 (ocf:heartbeat:Dummy)'],
      ],
    );
    assert.ok(h.every((x) => x.wallMs >= t0 - 1000 && x.wallMs <= Date.now()));
  });

  it('an entry the model refuses changes nothing anywhere and its proposer gets the error', async () => {
    const l = await leader();
    const before = JSON.stringify(l.rcib.state);
    await assert.rejects(
      l.rcib.propose({ op: 'rsc-delete', id: 'nope' }, 'alice@host', 5000),
      (e: unknown) => isVigilError(e) && e.code === 'VGL_E_NOT_FOUND',
    );
    await assert.rejects(
      l.rcib.propose(prim('r1'), 'alice@host', 5000),
      (e: unknown) => isVigilError(e) && e.code === 'VGL_E_EXISTS',
    );
    assert.equal(JSON.stringify(l.rcib.state), before);
    const probe = await l.rcib.propose(prim('r3'), 'x', 5000);
    for (const m of members.values()) await m.rcib.waitApplied(probe, 10_000);
    assert.equal(new Set([...members.values()].map((m) => JSON.stringify(m.rcib.state))).size, 1);
  });

  it('requests reach their node and come back; a failing handler returns its error', async () => {
    const l = await leader();
    const other = NAMES.find((n) => n !== l.link.self)!;
    const r = await l.link.request(other, 'echo', { x: 1 }, { timeoutMs: 5000 });
    assert.deepEqual(r, { from: l.link.self, to: other, body: { x: 1 } });
    // Resent while the handler runs (600 ms > the first resend), answered once.
    assert.equal(await l.link.request(other, 'slow', { n: 21 }, { timeoutMs: 10_000 }), 42);
    assert.equal(slowRuns.get(21), 1, 'the handler ran once despite the resends');
    await assert.rejects(
      l.link.request(other, 'nope', {}, { timeoutMs: 5000 }),
      (e: unknown) =>
        isVigilError(e) && e.code === 'VGL_E_INTERNAL' && /no method nope/.test(e.message),
    );
    await assert.rejects(
      l.link.request(other, 'slow', { n: 1 }, { timeoutMs: 100 }),
      (e: unknown) => isVigilError(e) && e.code === 'VGL_E_TIMEOUT',
    );
  });

  it('the log stays bounded: the applied CIB is snapshotted and the log truncated', async () => {
    const l = await leader();
    for (let i = 0; i < 5 * CHECKPOINT_EVERY; i++)
      await l.rcib.propose({ op: 'property-set', name: 'p', value: String(i) }, 'loop', 5000);
    await waitFor(
      () => {
        const st = l.link.status();
        return st.firstIndex > 1 && st.lastIndex - st.firstIndex < 3 * CHECKPOINT_EVERY
          ? true
          : undefined;
      },
      { timeoutMs: 10_000, what: 'the leader log to be compacted' },
    );
  });

  it('a restarted node rebuilds its CIB from its own snapshot and log, alone', async () => {
    const l = await leader();
    const last = await l.rcib.propose(prim('r4'), 'carol@host', 5000);
    for (const m of members.values()) await m.rcib.waitApplied(last, 10_000);
    const want = JSON.stringify(l.rcib.state);
    const name = l.link.self;
    for (const [n, m] of [...members]) {
      await m.link.close();
      members.delete(n);
    }
    // Alone, without quorum: nothing can come from the others; only the disk.
    const back = await startMember(name);
    await waitFor(() => (JSON.stringify(back.rcib.state) === want ? true : undefined), {
      timeoutMs: 10_000,
      what: `${name} to rebuild the CIB from disk`,
    });
    assert.equal(back.link.quorate, false);
    assert.ok(back.rcib.snapshotIndex > 0, 'it started from a snapshot');
  });
});

describe('CIB snapshots written by an older vigild', () => {
  it('are converted: its own configuration shape becomes a CIB configuration section', () => {
    const rcib = new ReplicatedState(
      cibModel,
      () => undefined,
      () => undefined,
    );
    const old = {
      term: 3,
      version: 12,
      configVersion: 4,
      config: {
        resources: [
          {
            kind: 'primitive',
            id: 'd1',
            class: 'ocf',
            provider: 'heartbeat',
            type: 'Dummy',
            params: {},
            meta: {},
            ops: [],
          },
        ],
        constraints: [{ kind: 'order', id: 'o1', first: 'd1', then: 'd1x' }],
        nodes: { a: { standby: true, maintenance: false } },
        properties: { 'no-quorum-policy': 'freeze' },
      },
      status: { nodes: {}, ops: {}, failcounts: {}, failures: [] },
      history: [],
    };
    // The snapshot's encoding: a format byte (0: plain JSON), then the state.
    const json = Buffer.from(JSON.stringify(old));
    rcib.onSnapshot({ index: 40, term: 3, data: Uint8Array.of(0, ...json) });
    const c = rcib.state;
    assert.equal(c.version, 12);
    assert.deepEqual(
      c.config.resources.map((r) => [r.kind, r.id]),
      [['primitive', 'd1']],
    );
    assert.equal(c.config.crmConfig[0]?.nvpairs[0]?.value, 'freeze');
    assert.equal(c.config.nodes[0]?.uname, 'a');
    assert.equal(c.config.constraints[0]?.id, 'o1');
    // A current snapshot is taken as it is.
    const again = Buffer.from(JSON.stringify(c));
    rcib.onSnapshot({ index: 41, term: 3, data: Uint8Array.of(0, ...again) });
    assert.deepEqual(rcib.state.config, c.config);
  });
});
