import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import { generateAuthkeyFile } from '@vigil/wire';
import { tempDir, waitFor, type TempDir } from '@vigil/testkit';
import { MessagingNode, parseConfig, type AppMessage, type StateSnapshot } from '@vigil/heartbeat';

/**
 * The application channel and log compaction, with three real MessagingNodes in this process
 * (real UDP sockets on 127.0.0.x, real disk).
 */
const NAMES = ['a', 'b', 'c'];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Host {
  node: MessagingNode;
  /** The state machine: the snapshot it started from, then applied entries. */
  snapshots: StateSnapshot[];
  applied: { index: number; text: string }[];
  app: AppMessage[];
}

let dir: TempDir;
const port = 20_000 + Math.floor(Math.random() * 40_000);
const hostBase = 2 + Math.floor(Math.random() * 200);
const hosts = new Map<string, Host>();

function config(self: string) {
  return parseConfig({
    clusterId: 7,
    self,
    nodes: NAMES.map((n, i) => ({
      name: n,
      id: i + 1,
      links: [`127.0.0.${hostBase + i}:${port}`],
    })),
    authkeyFile: join(dir.path, 'authkey'),
    stateDir: join(dir.path, self),
  });
}

async function startHost(name: string): Promise<Host> {
  const h: Host = {
    node: undefined as unknown as MessagingNode,
    snapshots: [],
    applied: [],
    app: [],
  };
  h.node = await MessagingNode.start(config(name), {
    onCommitted: (e) => h.applied.push({ index: e.index, text: dec(e.data) }),
    onSnapshot: (s) => {
      h.snapshots.push(s);
      h.applied = [];
    },
  });
  h.node.on('app', (m: AppMessage) => h.app.push(m));
  hosts.set(name, h);
  return h;
}

async function leader(): Promise<Host> {
  return waitFor(
    async () => {
      for (const h of hosts.values()) {
        const st = h.node.status();
        if (st.role === 'leader') {
          try {
            await h.node.propose(enc('probe'), { timeoutMs: 2000 });
            return h;
          } catch {
            return undefined;
          }
        }
      }
      return undefined;
    },
    { timeoutMs: 20_000, what: 'a leader that commits' },
  );
}

describe('MessagingNode application channel and log compaction', { timeout: 120_000 }, () => {
  before(async () => {
    dir = await tempDir('hb-app');
    await generateAuthkeyFile(join(dir.path, 'authkey'));
    for (const n of NAMES) await startHost(n);
  });

  after(async () => {
    for (const h of hosts.values()) await h.node.close();
    await dir[Symbol.asyncDispose]();
  });

  it('delivers application messages between nodes, with their sender', async () => {
    const a = hosts.get('a')!;
    const b = hosts.get('b')!;
    await waitFor(() => (a.node.members().includes('b') ? true : undefined), {
      timeoutMs: 10_000,
      what: 'b to be a member of a',
    });
    const text = `hello ${Math.random()}`;
    a.node.sendApp('b', enc(text));
    const got = await waitFor(() => b.app.find((m) => dec(m.data) === text), {
      timeoutMs: 10_000,
      what: 'b to receive the message',
    });
    assert.equal(got.from, 'a');
    assert.equal(hosts.get('c')!.app.filter((m) => dec(m.data) === text).length, 0);
    assert.ok(b.node.status().app.received >= 1);
    assert.ok(a.node.status().app.sent >= 1);
  });

  it('refuses oversize, empty and misaddressed application messages with stable errors', async () => {
    const a = hosts.get('a')!.node;
    const code = (f: () => void): string | undefined => {
      try {
        f();
      } catch (e) {
        return isVigilError(e) ? e.code : 'not a VigilError';
      }
      return undefined;
    };
    assert.equal(
      code(() => a.sendApp('b', new Uint8Array(a.maxAppBytes + 1))),
      'VGL_E_LIMIT',
    );
    assert.equal(
      code(() => a.sendApp('b', new Uint8Array(0))),
      'VGL_E_INVALID_INPUT',
    );
    assert.equal(
      code(() => a.sendApp('nobody', enc('x'))),
      'VGL_E_NOT_FOUND',
    );
    assert.equal(
      code(() => a.sendApp('b', new Uint8Array(a.maxAppBytes))),
      undefined,
    );
    // Entries and snapshots beyond what fragments carry: refused, naming the size and limit.
    const limited = (max: number) => (e: unknown) =>
      isVigilError(e) &&
      e.code === 'VGL_E_LIMIT' &&
      e.message.includes(String(max + 1)) &&
      e.message.includes(String(max));
    await assert.rejects(a.propose(new Uint8Array(a.maxEntryBytes + 1)), limited(a.maxEntryBytes));
    await assert.rejects(
      a.compactLog(1, new Uint8Array(a.maxSnapshotBytes + 1)),
      limited(a.maxSnapshotBytes),
    );
  });

  it('a compacted log serves a lagging follower a snapshot, and a restart starts from it', async () => {
    const l = await leader();
    const lagger = NAMES.find((n) => n !== l.node.name)!;
    await hosts.get(lagger)!.node.close();
    hosts.delete(lagger);
    for (let i = 0; i < 20; i++) await l.node.propose(enc(`e${i}`), { timeoutMs: 5000 });
    const upTo = l.applied[l.applied.length - 1]!.index;
    // The state machine "as of upTo": here, the texts applied so far.
    const state = enc(l.applied.map((x) => x.text).join(','));
    await l.node.compactLog(upTo, state);
    assert.equal(l.node.status().firstIndex, upTo + 1, 'the log now starts after the snapshot');

    const back = await startHost(lagger);
    await waitFor(() => (back.snapshots.some((s) => s.index === upTo) ? true : undefined), {
      timeoutMs: 20_000,
      what: `${lagger} to install the leader's snapshot at ${upTo}`,
    });
    assert.equal(dec(back.snapshots.find((s) => s.index === upTo)!.data), dec(state));
    await l.node.propose(enc('after'), { timeoutMs: 5000 });
    await waitFor(() => (back.applied.some((x) => x.text === 'after') ? true : undefined), {
      timeoutMs: 20_000,
      what: `${lagger} to apply the entry after the snapshot`,
    });
    assert.ok(
      back.applied.every((x) => x.index > upTo),
      'nothing before the snapshot replayed',
    );

    // The leader restarts from its own snapshot and replays only what follows it.
    const name = l.node.name;
    await l.node.close();
    hosts.delete(name);
    const again = await startHost(name);
    assert.equal(again.snapshots[0]?.index, upTo, 'restored from the snapshot on disk first');
    await waitFor(() => (again.applied.some((x) => x.text === 'after') ? true : undefined), {
      timeoutMs: 20_000,
      what: `${name} to replay the entries after its snapshot`,
    });
    assert.ok(again.applied.every((x) => x.index > upTo));
  });
});
