import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import type { Cib, CibEntry } from '@vigil/controller';
import type { LrmRscOp } from '@vigil/cib';
import { needs, pacemakerPlan, tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * Parameters that depend on the node, end to end with three real vigild and heartbeat's Dummy:
 * the primitive's `state` (the file the agent itself creates on start, checks on monitor and
 * removes on stop) is set per node by rules on `#uname` (a), a transient node attribute (b) and
 * a permanent one from the `nodes` section (c); date rules set `fake`. As the resource moves,
 * the agent on each node must run with that node's file, and a settled resource must not be
 * restarted (a date rule once looked like a definition change); when a date in a rule passes,
 * the resource restarts once with the new value, without any other trigger.
 */
const NODES = ['a', 'b', 'c'];
const req = needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy');
const WAIT_MS = 30_000;

let dir: TempDir;
let cluster: LocalCluster;
let states: string;

const stateFile = (tag: string): string => join(states, `p-${tag}.state`);
/** Which node's value each node gets: a by #uname, b by transient rack, c by permanent site. */
const TAG: Readonly<Record<string, string>> = { a: 'uname-a', b: 'rack-r2', c: 'site-west' };

/**
 * `prefer`: the node the location constraint names. `beforeSec`: `fake` is `before` until then
 * (a date rule), `after-2020` after. The DC schedules again every second when quiet
 * (`cluster-recheck-interval`), so a date passing takes effect on its own.
 */
function cibXml(prefer: string, beforeSec?: number): string {
  const before =
    beforeSec === undefined
      ? ''
      : `<instance_attributes id="p-before" score="6"><rule id="p-before-r"><date_expression id="p-before-e" operation="lt" end="${new Date(beforeSec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}"/></rule>` +
        `<nvpair id="p-before-fake" name="fake" value="before"/></instance_attributes>`;
  const set = (id: string, score: number, attr: string, value: string, tag: string): string =>
    `<instance_attributes id="${id}" score="${score}">` +
    `<rule id="${id}-r"><expression id="${id}-e" attribute="${attr}" operation="eq" value="${value}"/></rule>` +
    `<nvpair id="${id}-state" name="state" value="${stateFile(tag)}"/></instance_attributes>`;
  return (
    `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>` +
    `<crm_config><cluster_property_set id="cib-bootstrap-options">` +
    `<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>` +
    `<nvpair id="opt-recheck" name="cluster-recheck-interval" value="1s"/>` +
    `</cluster_property_set></crm_config>` +
    `<nodes><node id="a" uname="a"/><node id="b" uname="b"/>` +
    `<node id="c" uname="c"><instance_attributes id="c-attrs"><nvpair id="c-site" name="site" value="west"/></instance_attributes></node></nodes>` +
    `<resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy">` +
    set('p-uname', 30, '#uname', 'a', TAG.a!) +
    set('p-rack', 20, 'rack', 'r2', TAG.b!) +
    set('p-site', 10, 'site', 'west', TAG.c!) +
    before +
    `<instance_attributes id="p-dated" score="5"><rule id="p-dated-r"><date_expression id="p-dated-e" operation="gt" start="2020-01-01"/></rule>` +
    `<nvpair id="p-dated-fake" name="fake" value="after-2020"/></instance_attributes>` +
    `<instance_attributes id="p-base"><nvpair id="p-base-state" name="state" value="${stateFile('default')}"/>` +
    `<nvpair id="p-base-fake" name="fake" value="plain"/></instance_attributes>` +
    `<operations><op id="p-mon" name="monitor" interval="1s" timeout="20s"/></operations>` +
    `</primitive></resources>` +
    `<constraints><rsc_location id="prefer-p" rsc="p" node="${prefer}" score="INFINITY"/></constraints>` +
    `</configuration><status/></cib>`
  );
}

async function anySocket(): Promise<string> {
  return waitFor(() => cluster.quorateSocket(), {
    timeoutMs: WAIT_MS,
    what: 'a node with a DC and quorum',
  });
}

async function dcName(): Promise<string | null> {
  return ((await callDaemon(await anySocket(), 'status', {}, 5000)) as StatusView).dc;
}

/** The DC's socket: it writes the status, so its copy is never behind what it decided. */
async function dcSocket(): Promise<string> {
  const dc = await dcName();
  return dc === null ? anySocket() : cluster.socket(dc);
}

async function change(...entries: CibEntry[]): Promise<void> {
  await callDaemon(await anySocket(), 'changes', { entries }, 20_000);
}

/** The state files the agent has now (one per node it runs on, named by that node's value). */
function agentFiles(): string[] {
  return readdirSync(states)
    .filter((f) => f.endsWith('.state'))
    .sort();
}

/** Waits until vigil runs `p` on `node` only, idle, and the agent's only file is `node`'s. */
async function settledOn(node: string): Promise<void> {
  await waitFor(
    async () => {
      const s = (await callDaemon(await dcSocket(), 'status', {}, 5000)) as StatusView;
      const r = s.resources.find((x) => x.id === 'p');
      const files = agentFiles();
      if (
        r?.running.length !== 1 ||
        r.running[0] !== node ||
        s.transition?.outcome === 'running' ||
        files.length !== 1 ||
        files[0] !== `p-${TAG[node]!}.state`
      )
        return undefined;
      // The DC's status writes are committed: its start and the monitor after it are recorded.
      const cib = (await callDaemon(await dcSocket(), 'cib', {}, 5000)) as Cib;
      const ops = cib.status.lrm?.[node]?.p ?? [];
      const start = ops.find((o) => o.id === 'p_last_0');
      const monitor = ops.find((o) => o.id === 'p_monitor_1000');
      return start?.operation === 'start' && monitor !== undefined && monitor.callId > start.callId
        ? true
        : undefined;
    },
    { timeoutMs: WAIT_MS, what: `p on ${node} with its own state file` },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; the agent's files: ${agentFiles().join(', ')}`);
  });
}

/** `p_last_0` on `node` in the replicated status: the last one-shot operation recorded. */
async function lastOneShot(node: string): Promise<LrmRscOp | undefined> {
  const cib = (await callDaemon(await dcSocket(), 'cib', {}, 5000)) as Cib;
  return cib.status.lrm?.[node]?.p?.find((o) => o.id === 'p_last_0');
}

/**
 * The live CIB (`vigil cib query`) read by Pacemaker's own scheduler: with the parameters
 * evaluated per node and at its own time, crm_simulate must find the recorded digests current
 * and have nothing to do. Skipped without crm_simulate.
 */
async function pacemakerSeesNothingToDo(when: string): Promise<void> {
  if (needs('cmd:crm_simulate').skip !== undefined) return;
  const { xml } = (await callDaemon(await dcSocket(), 'cib-xml', {}, 10_000)) as { xml: string };
  const file = join(dir.path, `live-${when}.xml`);
  await writeFile(file, xml);
  const plan = await pacemakerPlan(file, WAIT_MS);
  assert.equal(plan.changes, '', `${when}: Pacemaker would change something:\n${plan.stdout}`);
  assert.equal(plan.actions, '', `${when}: Pacemaker would run actions:\n${plan.stdout}`);
}

function moveTo(node: string): Promise<void> {
  return change(
    { op: 'constraint-remove', id: 'prefer-p' },
    {
      op: 'constraint-add',
      constraint: { kind: 'location', id: 'prefer-p', rsc: 'p', node, score: 1_000_000 },
    },
  );
}

describe('parameters per node with a real agent (3 real vigild)', req, () => {
  before(async () => {
    dir = await tempDir('node-params');
    states = join(dir.path, 'states');
    await mkdir(states);
    const port = 20_000 + ((process.pid + 3313) % 20_000);
    cluster = new LocalCluster({
      dir: dir.path,
      name: `np${process.pid}`,
      nodes: NODES,
      port,
      firstHost: 20 + ((process.pid + 53) % 200),
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
  });

  after(async () => {
    await cluster.stopAll().catch(() => undefined);
    if (process.env.VIGIL_KEEP_NP === undefined) await dir[Symbol.asyncDispose]();
    else process.stderr.write(`kept ${dir.path}\n`);
  });

  it('the agent on each node runs with that node’s value, and a settled resource stays put', async () => {
    await change(
      { op: 'node-attr', node: 'b', name: 'rack', value: 'r2', scope: 'reboot' },
      { op: 'config-replace', xml: cibXml('a') },
    );
    await settledOn('a');
    await pacemakerSeesNothingToDo('on-a');
    // Settled: the monitors find the file and nothing restarts it (a restart removes and
    // re-creates it), although the date rule passes and a node-less evaluation differs.
    const t0 = statSync(stateFile(TAG.a!)).mtimeMs;
    const start0 = await lastOneShot('a');
    assert.equal(start0?.operation, 'start');
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(existsSync(stateFile(TAG.a!)));
    assert.equal(statSync(stateFile(TAG.a!)).mtimeMs, t0, 'the agent was not restarted on a');
    assert.deepEqual(await lastOneShot('a'), start0, 'no operation since the start');

    // Moved: the stop on a removes a's file, the start on b creates b's (transient attribute).
    await moveTo('b');
    await settledOn('b');
    await pacemakerSeesNothingToDo('on-b');
    // And on c, from the permanent attribute of the nodes section.
    await moveTo('c');
    await settledOn('c');
    await pacemakerSeesNothingToDo('on-c');
  });

  it('a date rule takes effect when the date passes: one restart with the new value, then quiet', async () => {
    // `fake` becomes `before` (a real change: restarted on c), and `after-2020` again once the
    // date passes: the DC's recheck schedules again, the digest on c differs, c restarts it.
    const prev = await lastOneShot('c');
    assert.equal(prev?.operation, 'start');
    const boundarySec = Math.ceil(Date.now() / 1000) + 10;
    await change({ op: 'config-replace', xml: cibXml('c', boundarySec) });
    const first = await waitFor(
      async () => {
        const op = await lastOneShot('c');
        return op?.operation === 'start' && op.callId > prev.callId ? op : undefined;
      },
      { timeoutMs: WAIT_MS, what: 'the restart on c for fake=before' },
    );
    await settledOn('c');
    const mtime = statSync(stateFile(TAG.c!)).mtimeMs;
    const second = await waitFor(
      async () => {
        const op = await lastOneShot('c');
        return op?.operation === 'start' && op.callId > first.callId ? op : undefined;
      },
      { timeoutMs: WAIT_MS, what: 'the restart on c once the date passed' },
    );
    assert.ok((first.lastRcChange ?? 0) < boundarySec, 'the first restart came before the date');
    assert.ok((second.lastRcChange ?? 0) >= boundarySec, 'the second one after it');
    assert.notEqual(second.opDigest, first.opDigest, 'with other parameters');
    await settledOn('c');
    assert.ok(statSync(stateFile(TAG.c!)).mtimeMs > mtime, 'the agent itself started again');
    const dcLog = readFileSync(cluster.logFile((await dcName())!), 'utf8');
    assert.match(dcLog, /cluster-recheck-interval \(1000 ms\) passed/);
    // Quiet again: nothing more happens on c.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await lastOneShot('c'), second, 'no operation since');
    await pacemakerSeesNothingToDo('after-the-date');
  });
});
