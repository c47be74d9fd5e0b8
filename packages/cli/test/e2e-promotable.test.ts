import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromCibXml } from '@vigil/controller';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import { needs, pacemakerPlan, run, tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * A Pacemaker CIB with a promotable clone, imported with the real `vigil` command into three real
 * vigild, run by the real ocf:pacemaker:Stateful agent. The agents' own state files (Stateful
 * writes its role to HA_VARRUN) say how many instances are promoted; vigil's view must agree.
 * kill -9 of the node with the promoted instance: it is fenced, then another instance is promoted.
 */
const NODES = ['a', 'b', 'c'];
const STATEFUL = '/usr/lib/ocf/resource.d/pacemaker/Stateful';
const req = needs(`file:${STATEFUL}`, 'file:/usr/lib/ocf/resource.d/heartbeat/Dummy');
const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/promotable-cib.xml', import.meta.url));
const WAIT_MS = 40_000;

let dir: TempDir;
let cluster: LocalCluster;
/** Nodes killed by the test and not back yet (their API sockets are not asked). */
const dead = new Set<string>();
/** The most promoted instances seen at once, sampled all along. */
let mostPromoted = 0;
let sampler: NodeJS.Timeout | undefined;

function stateFile(node: string): string {
  return join(cluster.dir, 'state', node, 'varrun', 'Stateful-state.state');
}

function role(node: string): string | undefined {
  try {
    return readFileSync(stateFile(node), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** When each node was last fenced (fence_vigil's own log), seconds. */
function lastFenced(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of fenceLog().matchAll(/^(\S+) fence_vigil \S+ (\S+): off$/gm))
    out.set(m[2]!, Number(m[1]));
  return out;
}

/**
 * Where the agents themselves say the instance is promoted. A role written before the node's
 * last fencing is void: the fence killed the agent's node, and its restart clears HA_VARRUN as
 * a reboot clears /run. A killed node counts until it is fenced, so a promotion elsewhere before
 * the fencing would be seen as two.
 */
function promotedByAgents(): string[] {
  const fenced = lastFenced();
  return NODES.filter((n) => {
    if (role(n) !== 'Promoted') return false;
    const at = fenced.get(n);
    try {
      return at === undefined || statSync(stateFile(n)).mtimeMs > at * 1000;
    } catch {
      return false;
    }
  });
}

async function vigil(
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  const sock = await anySocket();
  const r = await run(process.execPath, [BIN, ...args, '--socket', sock], { timeoutMs: WAIT_MS });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

async function anySocket(): Promise<string> {
  return waitFor(() => cluster.quorateSocket(dead), {
    timeoutMs: WAIT_MS,
    what: 'a node with a DC and quorum',
  });
}

async function status(): Promise<StatusView> {
  return (await callDaemon(await anySocket(), 'status', {}, 5000)) as StatusView;
}

/** Waits until exactly one instance is promoted, the agents and vigil agreeing; returns where. */
async function onePromoted(what: string, not?: string): Promise<string> {
  return waitFor(
    async () => {
      const agents = promotedByAgents();
      if (agents.length !== 1 || agents[0] === not) return undefined;
      const s = await status();
      const st = s.resources.find((r) => r.id === 'state');
      const live = s.nodes.filter((n) => n.online).map((n) => n.name);
      const unpromoted = live.filter((n) => n !== agents[0]);
      // Every other live node runs an unpromoted instance, by its agent and by vigil.
      if (!unpromoted.every((n) => role(n) === 'Unpromoted')) return undefined;
      if (st?.promoted.length !== 1 || st.promoted[0] !== agents[0]) return undefined;
      if (!live.every((n) => st.running.includes(n))) return undefined;
      return agents[0];
    },
    { timeoutMs: WAIT_MS, what },
  );
}

/** Where heartbeat's Dummy says `old` runs: its state file in the node's HA_RSCTMP. */
function oldRunsOn(): string[] {
  return NODES.filter((n) => existsSync(join(cluster.rscTmp(n), 'Dummy-old.state')));
}

function fenceLog(): string {
  return existsSync(cluster.fenceLog) ? readFileSync(cluster.fenceLog, 'utf8') : '';
}

/**
 * `vigil cib query` read by Pacemaker's own scheduler (crm_simulate): it must place everything
 * where it runs and have nothing to (re)schedule, no start, stop, promotion or monitor, so the
 * live status (operation history, expected rcs, digests, attributes) reads as its own.
 * Returns crm_simulate's view of the current cluster.
 */
async function pacemakerSeesNothingToDo(when: string): Promise<string> {
  const q = await vigil('cib', 'query');
  assert.equal(q.code, 0, q.err);
  const file = join(dir.path, `live-${when.replace(/\W+/g, '-')}.xml`);
  await writeFile(file, q.out);
  const plan = await pacemakerPlan(file, WAIT_MS);
  assert.equal(plan.changes, '', `${when}, Pacemaker would change something:\n${plan.stdout}`);
  assert.equal(plan.actions, '', `${when}, Pacemaker would run actions:\n${plan.stdout}`);
  return plan.current;
}

describe(
  'vigil config import of a Pacemaker CIB with a promotable clone (3 real nodes)',
  req,
  () => {
    before(async () => {
      dir = await tempDir('e2e-promotable');
      const port = 20_000 + ((process.pid + 7919) % 20_000);
      cluster = new LocalCluster({
        dir: dir.path,
        name: `prom${process.pid}`,
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
      await anySocket();
      sampler = setInterval(() => {
        mostPromoted = Math.max(mostPromoted, promotedByAgents().length);
      }, 50);
    });

    after(async () => {
      if (sampler) clearInterval(sampler);
      await cluster.stopAll().catch(() => undefined);
      if (process.env.VIGIL_KEEP_E2E === undefined)
        await rm(dir.path, { recursive: true, force: true });
      else process.stderr.write(`e2e cluster kept in ${dir.path}\n`);
    });

    it('imports the CIB whole, and exports it back the same', async () => {
      // Something runs before the import; the import replaces the configuration.
      const made = await vigil('resource', 'create', 'old', 'ocf:heartbeat:Dummy');
      assert.equal(made.code, 0, made.err);
      await waitFor(() => (oldRunsOn().length === 1 ? true : undefined), {
        timeoutMs: WAIT_MS,
        what: 'old running',
      });
      const imp = await vigil('config', 'import', FIXTURE);
      assert.equal(imp.code, 0, imp.err);
      assert.match(imp.out, /imported 4 resources and 3 constraints/);
      // The CIB's fence device joins the cluster file's (tried after them, equal priority).
      assert.match(imp.out, /fencing: the DC fences with fence-all \(stonith:fence_dummy\)/);
      assert.doesNotMatch(imp.err, /are not nodes of this cluster/);
      const exp = await vigil('config', 'export');
      assert.equal(exp.code, 0, exp.err);
      assert.deepEqual(
        configFromCibXml(exp.out).config,
        configFromCibXml(readFileSync(FIXTURE, 'utf8')).config,
        'the exported configuration is the imported one',
      );
      const file = join(dir.path, 'exported.xml');
      await writeFile(file, exp.out);
      if (needs('cmd:crm_verify').skip === undefined) {
        const v = await run('crm_verify', ['-x', file], { timeoutMs: WAIT_MS });
        assert.doesNotMatch(`${v.stdout}${v.stderr}`, /error/i, 'Pacemaker reads the export');
      }
      const list = await vigil('constraint', 'list');
      assert.match(list.out, /loc-east: location state-clone by 1 rule \(loc-east-rule\)/);
      assert.match(list.out, /col-set: colocation sets \(d1\) \(state-clone role=Promoted\)/);
    });

    it('what the import dropped is stopped by its agent and forgotten', async () => {
      await waitFor(
        async () =>
          oldRunsOn().length === 0 && !(await status()).resources.some((r) => r.id === 'old')
            ? true
            : undefined,
        { timeoutMs: WAIT_MS, what: 'old stopped' },
      );
      await waitFor(
        async () => {
          const c = (await callDaemon(await anySocket(), 'cib', {}, 5000)) as {
            status: { lrm?: Record<string, Record<string, unknown>>; orphans?: unknown };
          };
          const left = Object.values(c.status.lrm ?? {}).some((m) => 'old' in m);
          return !left && c.status.orphans === undefined ? true : undefined;
        },
        { timeoutMs: WAIT_MS, what: 'old forgotten in the status section' },
      );
    });

    it('the DC promotes exactly one instance on the real agent; d1 follows it (resource sets)', async () => {
      const where = await onePromoted('one promoted Stateful instance');
      // The location rule prefers site east (a, b) for the promoted role.
      assert.ok(['a', 'b'].includes(where), `promoted on ${where}`);
      const d1 = await waitFor(
        async () => {
          const r = (await status()).resources.find((x) => x.id === 'd1');
          return r?.running.length === 1 ? r.running[0] : undefined;
        },
        { timeoutMs: WAIT_MS, what: 'd1 running' },
      );
      assert.equal(d1, where, 'd1 runs with the promoted instance');
      assert.ok(existsSync(join(cluster.rscTmp(where), 'Dummy-d1.state')), 'by its agent too');
      for (const r of ['state-clone', 'state']) {
        const ex = await vigil('explain', r);
        assert.equal(ex.code, 0, ex.err);
        assert.match(ex.out, /^state-clone .* is running on /);
      }
      const st = await vigil('status');
      assert.match(st.out, new RegExp(`state .*Promoted ${where}; Unpromoted`));
      assert.equal(mostPromoted, 1, 'never two promoted instances at once');
    });

    it(
      'Pacemaker, reading `vigil cib query`, sees the same cluster and nothing to do',
      { skip: needs('cmd:crm_simulate').skip },
      async () => {
        const where = await onePromoted('one promoted instance, settled');
        const current = await pacemakerSeesNothingToDo('settled');
        assert.match(current, new RegExp(`Promoted: \\[ ${where} \\]`));
        assert.match(current, new RegExp(`d1\\s+\\(ocf:heartbeat:Dummy\\):\\s+Started ${where}`));
      },
    );

    it('kill -9 of the promoted node: it is fenced, then another instance is promoted', async () => {
      const victim = await onePromoted('one promoted instance before the crash');
      const fencesBefore = fenceLog().length;
      dead.add(victim);
      await cluster.crash(victim);
      const next = await onePromoted(`another instance promoted after ${victim} died`, victim);
      const fence = new RegExp(`^(\\S+) fence_vigil reboot ${victim}: off$`, 'm').exec(
        fenceLog().slice(fencesBefore),
      );
      assert.ok(fence, `${victim} was fenced`);
      // Stateful writes its role when promoted: after the fencing, not before.
      const promotedAtMs = statSync(stateFile(next)).mtimeMs;
      assert.ok(
        promotedAtMs >= Number(fence[1]) * 1000 - 5,
        `promoted at ${promotedAtMs}, fenced at ${fence[1]!}`,
      );
      // The victim comes back (fencing reboots it) with an unpromoted instance.
      await waitFor(
        async () => {
          if (role(victim) !== 'Unpromoted') return undefined;
          dead.delete(victim);
          return (await status()).nodes.every((n) => n.online) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, what: `${victim} back with an unpromoted instance` },
      );
      assert.deepEqual(promotedByAgents(), [next]);
      assert.equal(mostPromoted, 1, 'never two promoted instances at once');
      // The history after a crash, a fencing and a rejoin reads to Pacemaker as settled too.
      if (needs('cmd:crm_simulate').skip === undefined) {
        await onePromoted('settled after the rejoin');
        const current = await pacemakerSeesNothingToDo('after the failover');
        assert.match(current, new RegExp(`Promoted: \\[ ${next} \\]`));
      }
    });
  },
);
