import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import type { CibEntry, HistoryEntry, PrimitiveDef } from '@vigil/controller';
import { AGENT_BIN_DIR } from '@vigil/executor';
import { needs, run, tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * End to end, with real processes: three vigild on 127.0.0.x, resources run by a real OCF agent
 * (heartbeat's Dummy wrapped by ocf:vigil:Logged, which logs its own starts and stops), fencing by
 * fence_vigil (kills every process of the node, then restarts its vigild).
 *
 * After every step, the agents' own log and the fence log are replayed: no resource may ever be
 * active on two nodes that were not fenced in between.
 */
const NODES = ['a', 'b', 'c'];
const req = needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy', 'cmd:grep');
const WAIT_MS = 30_000;

let dir: TempDir;
let cluster: LocalCluster;
let agentLog: string;

function prim(id: string, meta: Record<string, string> = {}): PrimitiveDef {
  return {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'vigil',
    type: 'Logged',
    params: { log: agentLog },
    meta,
    ops: [{ name: 'monitor', intervalMs: 500, timeoutMs: 10_000 }],
  };
}

async function anySocket(): Promise<string> {
  return waitFor(() => cluster.quorateSocket(), {
    timeoutMs: WAIT_MS,
    what: 'a node with a DC and quorum',
  });
}

async function status(): Promise<StatusView> {
  return (await callDaemon(await anySocket(), 'status', {}, 5000)) as StatusView;
}

async function change(...entries: CibEntry[]): Promise<void> {
  await callDaemon(await anySocket(), 'changes', { entries }, 20_000);
}

/** Where the agent itself says the resource is active now: its Dummy state file per node. */
function agentActive(rsc: string): string[] {
  return NODES.filter((n) => existsSync(join(cluster.rscTmp(n), `Dummy-${rsc}.state`)));
}

async function waitRunning(
  rsc: string,
  pred: (nodes: string[]) => boolean,
  what: string,
): Promise<string[]> {
  return waitFor(
    async () => {
      const s = await status();
      const r = s.resources.find((x) => x.id === rsc);
      if (!r || !pred(r.running) || r.running.length === 0) return undefined;
      // vigil's view must match the agent's own view on live nodes.
      const live = s.nodes.filter((n) => n.online).map((n) => n.name);
      const agent = agentActive(rsc).filter((n) => live.includes(n));
      return agent.length === r.running.length && r.running.every((n) => agent.includes(n))
        ? r.running
        : undefined;
    },
    { timeoutMs: WAIT_MS, what },
  );
}

async function allOnline(): Promise<void> {
  await waitFor(
    async () => {
      const s = await status();
      return s.nodes.every((n) => n.online) && s.transition?.outcome !== 'running'
        ? true
        : undefined;
    },
    { timeoutMs: WAIT_MS, what: 'all three nodes online' },
  );
}

/**
 * Replays the agents' log and the fence log in time order. A resource becomes active on a node
 * at `start-begin` and stops being active at `stop-end` or when that node is fenced.
 */
function checkNeverTwice(): void {
  const events: { t: number; kind: string; rsc: string; node: string }[] = [];
  if (existsSync(agentLog))
    for (const line of readFileSync(agentLog, 'utf8').split('\n')) {
      const [t, kind, rsc, node] = line.split(' ');
      if (t && kind && rsc && node) events.push({ t: Number(t), kind, rsc, node });
    }
  for (const line of fenceLog().split('\n')) {
    const m = /^(\S+) fence_vigil (\S+) (\S+): off$/.exec(line);
    if (m) events.push({ t: Number(m[1]), kind: 'fenced', rsc: '', node: m[3]! });
  }
  events.sort((x, y) => x.t - y.t);
  const active = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.kind === 'fenced') {
      for (const s of active.values()) s.delete(e.node);
      continue;
    }
    const s = active.get(e.rsc) ?? new Set<string>();
    active.set(e.rsc, s);
    if (e.kind === 'start-begin') {
      const others = [...s].filter((n) => n !== e.node);
      assert.equal(
        others.length,
        0,
        `${e.rsc} started on ${e.node} at ${e.t} while still active on unfenced ${others.join(', ')}`,
      );
      s.add(e.node);
    } else if (e.kind === 'stop-end') s.delete(e.node);
  }
  assert.ok(
    events.some((e) => e.kind === 'start-begin'),
    'the agents logged their starts',
  );
}

function fenceLog(): string {
  return existsSync(cluster.fenceLog) ? readFileSync(cluster.fenceLog, 'utf8') : '';
}

async function dc(): Promise<string> {
  const s = await status();
  assert.ok(s.dc !== null);
  return s.dc;
}

describe('vigild end to end (3 real nodes)', req, () => {
  before(async () => {
    dir = await tempDir('e2e');
    agentLog = join(dir.path, 'agents.log');
    const port = 20_000 + (process.pid % 20_000);
    cluster = new LocalCluster({
      dir: dir.path,
      name: `e2e${process.pid}`,
      nodes: NODES,
      port,
      firstHost: 20 + (process.pid % 200),
      // Generous timing: CI runs these next to other tests on 2 cores.
      timing: {
        heartbeatIntervalMs: 100,
        warntimeMs: 500,
        deadtimeMs: 1000,
        electionTimeoutMs: 1000,
      },
    });
    await cluster.create();
    for (const n of NODES) cluster.start(n);
    await anySocket();
    await change(
      { op: 'rsc-create', def: prim('r1', { 'migration-threshold': '2' }) },
      { op: 'rsc-create', def: prim('r2') },
    );
  });

  after(async () => {
    await cluster.stopAll().catch(() => undefined);
    if (process.env.VIGIL_KEEP_E2E === undefined)
      await rm(dir.path, { recursive: true, force: true });
    else process.stderr.write(`e2e cluster kept in ${dir.path}\n`);
  });

  it('places resources with the real agent and the status shows them', async () => {
    const on1 = await waitRunning('r1', (n) => n.length === 1, 'r1 running');
    const on2 = await waitRunning('r2', (n) => n.length === 1, 'r2 running');
    assert.equal(agentActive('r1').length, 1);
    assert.notDeepEqual(on1, on2, 'the two resources spread over nodes');
    checkNeverTwice();
  });

  it('vigil history: every configuration change, who made it and when, from the log', async () => {
    const before = (await callDaemon(await anySocket(), 'history', {}, 5000)) as HistoryEntry[];
    const t0 = Date.now();
    await change({ op: 'property-set', name: 'e2e-marker', value: String(process.pid) });
    // Any node answers from its own copy of the applied log.
    for (const n of NODES) {
      const h = await waitFor(
        async () => {
          const x = (await callDaemon(cluster.socket(n), 'history', {}, 5000)) as HistoryEntry[];
          return x.length > before.length ? x : undefined;
        },
        { timeoutMs: WAIT_MS, what: `${n} to apply the change` },
      );
      const last = h[h.length - 1]!;
      assert.equal(last.what, `property e2e-marker=${process.pid}`);
      assert.ok(last.who.length > 0 && last.wallMs >= t0 - 5000, JSON.stringify(last));
    }
    assert.deepEqual(before.map((x) => x.what).slice(0, 2), [
      'create primitive r1 (ocf:vigil:Logged)',
      'create primitive r2 (ocf:vigil:Logged)',
    ]);
  });

  it('an idle cluster does not grow the log: unchanged monitor results are not logged', async () => {
    await allOnline();
    const [where] = await waitRunning('r1', (n) => n.length === 1, 'r1 running');
    // The agent notes every monitor it runs (`monitor-RC`) in its own log.
    const monitors = (): number =>
      readFileSync(agentLog, 'utf8')
        .split('\n')
        .filter((l) => l.endsWith(` monitor-0 r1 ${where!}`)).length;
    const sock = await anySocket();
    const lastIndex = async (): Promise<number> =>
      ((await callDaemon(sock, 'messaging', {}, 5000)) as { lastIndex: number }).lastIndex;
    const index0 = await lastIndex();
    const m0 = monitors();
    await waitFor(() => (monitors() >= m0 + 4 ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: 'four more monitors of r1',
    });
    assert.equal(await lastIndex(), index0, 'no log entry while only monitors ran');
  });

  it("agents' crm_* commands write node attributes into the CIB through the DC, visible on every node", async () => {
    await allOnline();
    // As an agent on b would: vigil's attrd_updater on PATH, this node's cluster port.
    const agentTool = (node: string, script: string) =>
      run('sh', ['-c', script], {
        timeoutMs: WAIT_MS,
        env: {
          PATH: `${AGENT_BIN_DIR}:/usr/bin:/bin`,
          VIGIL_NODE_BIN: process.execPath,
          VIGIL_CLUSTER_SOCKET: cluster.clusterPortSocket(node),
        },
      });
    const set = await agentTool('b', 'attrd_updater -n e2e-score -U 42');
    assert.equal(set.code, 0, set.stderr);
    const got = await waitFor(
      async () => {
        const r = await agentTool('c', 'attrd_updater -Q -n e2e-score -N b');
        return r.code === 0 && /value="42"/.test(r.stdout) ? r.stdout : undefined;
      },
      { timeoutMs: WAIT_MS, what: "b's attribute read on c" },
    );
    assert.match(got, /host="b"/);
    // It is in the replicated CIB's status section, as the DC wrote it.
    const cib = (await callDaemon(cluster.socket('a'), 'cib', {}, 5000)) as {
      status: { nodes: Record<string, { attributes: Record<string, string> }> };
    };
    assert.equal(cib.status.nodes.b?.attributes['e2e-score'], '42');
    const nodes = await agentTool('a', 'crm_node -l');
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.deepEqual(
      nodes.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1])
        .sort(),
      NODES,
    );
    const del = await agentTool('b', 'attrd_updater -n e2e-score -D');
    assert.equal(del.code, 0, del.stderr);
  });

  it('move, ban, clear and standby', async () => {
    const [from] = await waitRunning('r1', (n) => n.length === 1, 'r1 running');
    const to = NODES.find((n) => n !== from)!;
    await change({
      op: 'constraint-add',
      constraint: { kind: 'location', id: 'cli-prefer-r1', rsc: 'r1', node: to, score: 1_000_000 },
    });
    await waitRunning('r1', (n) => n[0] === to, `r1 moved to ${to}`);
    await change({
      op: 'constraint-add',
      constraint: {
        kind: 'location',
        id: `cli-ban-r1-on-${to}`,
        rsc: 'r1',
        node: to,
        score: -1_000_000,
      },
    });
    const [banned] = await waitRunning('r1', (n) => n[0] !== to, `r1 banned from ${to}`);
    await change(
      { op: 'constraint-remove', id: 'cli-prefer-r1' },
      { op: 'constraint-remove', id: `cli-ban-r1-on-${to}` },
    );
    const s = await status();
    assert.ok(
      s.resources.find((r) => r.id === 'r1')?.running.includes(banned!),
      'clear does not move it back',
    );
    await change({ op: 'node-set', node: banned!, standby: true });
    await waitRunning('r1', (n) => n[0] !== banned, `r1 off standby node ${banned!}`);
    await waitFor(
      async () =>
        (await status()).resources.every((r) => !r.running.includes(banned!)) ? true : undefined,
      {
        timeoutMs: WAIT_MS,
        what: `nothing on standby node ${banned!}`,
      },
    );
    await change({ op: 'node-set', node: banned!, standby: false });
    checkNeverTwice();
  });

  it('a failing monitor restarts the resource, and after migration-threshold failures it moves', async () => {
    const [where] = await waitRunning('r1', (n) => n.length === 1, 'r1 running');
    const lines = (): number =>
      readFileSync(agentLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes(` start-begin r1 ${where!}`)).length;
    const before1 = lines();
    await rm(join(cluster.rscTmp(where!), 'Dummy-r1.state'));
    await waitFor(
      async () =>
        lines() > before1 &&
        (await status()).resources.find((r) => r.id === 'r1')?.running[0] === where
          ? true
          : undefined,
      {
        timeoutMs: WAIT_MS,
        what: `r1 restarted on ${where!}`,
      },
    );
    assert.equal((await status()).failcounts[where!]?.r1, 1);
    await waitRunning('r1', (n) => n[0] === where, 'r1 running again');
    await rm(join(cluster.rscTmp(where!), 'Dummy-r1.state'));
    await waitRunning(
      'r1',
      (n) => n.length === 1 && n[0] !== where,
      `r1 moved away from ${where!} after 2 failures`,
    );
    assert.equal((await status()).failcounts[where!]?.r1, 2);
    await change({ op: 'cleanup', rsc: 'r1' });
    checkNeverTwice();
  });

  it('a node silent past warntime but within deadtime is logged late by its peers, not fenced', async () => {
    await allOnline();
    const theDc = await dc();
    const paused = NODES.find((n) => n !== theDc)!;
    const pid = await cluster.pid(paused);
    assert.ok(pid !== undefined);
    const fencesBefore = fenceLog().length;
    const logBefore = readFileSync(cluster.logFile(theDc), 'utf8').length;
    // 650 ms: past warntimeMs (500) and short of deadtimeMs (1000) with the 100 ms heartbeats.
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 650));
    process.kill(pid, 'SIGCONT');
    const late = await waitFor(
      () => {
        const l = readFileSync(cluster.logFile(theDc), 'utf8').slice(logBefore);
        return new RegExp(
          `late heartbeat from ${paused} on link 0: silent \\d+ ms \\(warntime 500 ms`,
        ).test(l)
          ? l
          : undefined;
      },
      { timeoutMs: WAIT_MS, what: `the DC to log ${paused}'s late heartbeat` },
    );
    assert.doesNotMatch(late, new RegExp(`${paused}.*(lost|left)`), late);
    await allOnline();
    assert.equal(fenceLog().length, fencesBefore, 'nobody was fenced');
    checkNeverTwice();
  });

  it('kill -9 of a non-DC node running a resource: it is fenced and the resource runs elsewhere', async () => {
    await allOnline();
    const theDc = await dc();
    const victim = NODES.find((n) => n !== theDc)!;
    await change({
      op: 'constraint-add',
      constraint: {
        kind: 'location',
        id: 'cli-prefer-r2',
        rsc: 'r2',
        node: victim,
        score: 1_000_000,
      },
    });
    await waitRunning('r2', (n) => n[0] === victim, `r2 on ${victim}`);
    // The preference stays until r2 has recovered: without stickiness, removing it first could
    // let r2 leave the victim before the crash. A preference does not keep r2 from running
    // elsewhere while the victim is gone.
    const fencesBefore = fenceLog().length;
    await cluster.crash(victim);
    await waitRunning('r2', (n) => n.length === 1 && n[0] !== victim, 'r2 recovered elsewhere');
    await change({ op: 'constraint-remove', id: 'cli-prefer-r2' });
    assert.match(fenceLog().slice(fencesBefore), new RegExp(`reboot ${victim}: off`));
    await allOnline();
    // Rebooted by the fence, the victim rebuilt its CIB from its own Raft log before rejoining…
    const started = await waitFor(
      () => {
        const l = readFileSync(cluster.logFile(victim), 'utf8')
          .split('\n')
          .filter((x) => x.includes(' started: '));
        return l.length >= 2 ? l : undefined;
      },
      { timeoutMs: WAIT_MS, what: `${victim} to start again` },
    );
    const m = /CIB v(\d+) \(log index (\d+)\)/.exec(started[started.length - 1]!);
    assert.ok(m && Number(m[1]) > 0 && Number(m[2]) > 0, `restart from disk: ${started.at(-1)}`);
    // …and caught up with the DC.
    await waitFor(
      async () => {
        const mine = (await callDaemon(cluster.socket(victim), 'status', {}, 2000)) as StatusView;
        return mine.cibVersion === (await status()).cibVersion ? true : undefined;
      },
      { timeoutMs: WAIT_MS, what: `${victim} to catch up with the DC's CIB` },
    );
    checkNeverTwice();
  });

  it('kill -9 of the DC: a new DC fences it and recovers its resources', async () => {
    await allOnline();
    const oldDc = await dc();
    await change({
      op: 'constraint-add',
      constraint: {
        kind: 'location',
        id: 'cli-prefer-r1',
        rsc: 'r1',
        node: oldDc,
        score: 1_000_000,
      },
    });
    await waitRunning('r1', (n) => n[0] === oldDc, `r1 on the DC ${oldDc}`);
    const fencesBefore = fenceLog().length;
    await cluster.crash(oldDc);
    await waitRunning('r1', (n) => n.length === 1 && n[0] !== oldDc, 'r1 recovered by the new DC');
    await change({ op: 'constraint-remove', id: 'cli-prefer-r1' });
    assert.notEqual(await dc(), oldDc);
    assert.match(fenceLog().slice(fencesBefore), new RegExp(`reboot ${oldDc}: off`));
    await allOnline();
    checkNeverTwice();
  });

  it('kill two of three: the survivor loses quorum and stops its resources', async () => {
    await allOnline();
    const [survivor] = await waitRunning('r1', (n) => n.length === 1, 'r1 running');
    assert.ok(survivor !== undefined);
    const others = NODES.filter((n) => n !== survivor);
    // Both at once: one at a time would let the other two keep quorum and fence (reboot) the first.
    await Promise.all(others.map((n) => cluster.powerOff(n)));
    await waitFor(
      async () => {
        const v = (await callDaemon(cluster.socket(survivor), 'status', {}, 2000)) as StatusView;
        return !v.quorate &&
          v.localActive.length === 0 &&
          agentActive('r1').filter((n) => n === survivor).length === 0
          ? true
          : undefined;
      },
      { timeoutMs: WAIT_MS, what: `${survivor} to lose quorum and stop its resources` },
    );
    checkNeverTwice();
  });
});
