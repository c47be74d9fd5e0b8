import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FenceRecord } from '@vigil/controller';
import type { FenceOutcome } from '@vigil/executor';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import { needs, run, tempDir, waitFor, type TempDir } from '@vigil/testkit';

/**
 * Fencing configured the Pacemaker way: the cluster file has no fence device; a Pacemaker CIB
 * with a `stonith:fence_vigil` primitive, a disabled second device and a fencing-topology is
 * imported with the real `vigil` command into three real vigild. kill -9 of the node running a
 * resource: the DC fences it with the CIB's device (fence_vigil's own log, the DC's log and
 * `vigil fence history` say so), and only then is the resource started elsewhere.
 */
const NODES = ['a', 'b', 'c'];
const req = needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy');
const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/fencing-cib.xml', import.meta.url));
const WAIT_MS = 40_000;

let dir: TempDir;
let cluster: LocalCluster;
const dead = new Set<string>();
let firstFencing: { victim: string; startedWallMs: number } | undefined;

async function anySocket(): Promise<string> {
  return waitFor(() => cluster.quorateSocket(dead), {
    timeoutMs: WAIT_MS,
    what: 'a node with a DC and quorum',
  });
}

async function vigil(
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  const sock = await anySocket();
  const r = await run(process.execPath, [BIN, ...args, '--socket', sock], { timeoutMs: WAIT_MS });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

async function status(): Promise<StatusView> {
  return (await callDaemon(await anySocket(), 'status', {}, 5000)) as StatusView;
}

/** The test CIB with this cluster's fence_vigil parameters; `edit` changes its text. */
async function cibFile(name: string, edit: (xml: string) => string = (x) => x): Promise<string> {
  const p = cluster.fenceVigilParams();
  const xml = readFileSync(FIXTURE, 'utf8')
    .replaceAll('@PIDDIR@', p.piddir)
    .replaceAll('@TAGPREFIX@', p.tagprefix)
    .replaceAll('@LOG@', p.log);
  const file = join(dir.path, name);
  await writeFile(file, edit(xml));
  return file;
}

/** Where heartbeat's Dummy says `web` runs: its state file in each node's HA_RSCTMP. */
function webState(node: string): string {
  return join(cluster.rscTmp(node), 'Dummy-web.state');
}

function fenceLog(): string {
  return existsSync(cluster.fenceLog) ? readFileSync(cluster.fenceLog, 'utf8') : '';
}

describe(
  'fence devices and fencing topology from an imported Pacemaker CIB (3 real nodes)',
  req,
  () => {
    before(async () => {
      dir = await tempDir('e2e-cib-fencing');
      cluster = new LocalCluster({
        dir: dir.path,
        name: `cibf${process.pid}`,
        nodes: NODES,
        port: 20_000 + ((process.pid + 4649) % 20_000),
        firstHost: 20 + ((process.pid + 53) % 200),
        fileFencing: false,
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
      if (process.env.VIGIL_KEEP_E2E === undefined)
        await rm(dir.path, { recursive: true, force: true });
      else process.stderr.write(`e2e cluster kept in ${dir.path}\n`);
    });

    it("Pacemaker's crm_verify reads the test CIB", needs('cmd:crm_verify'), async () => {
      const file = await cibFile('verify.xml');
      // Verbose: every warning is printed. A schema violation is an error naming the element.
      const v = await run('crm_verify', ['-VVV', '-x', file], { timeoutMs: WAIT_MS });
      const said = `${v.stdout}${v.stderr}`;
      // Its only warnings are about the (empty) status section: no quorum, nodes not seen yet.
      assert.match(said, /lack of quorum/, said);
      assert.doesNotMatch(
        said,
        /error|fence-cib|fence-spare|fencing-level|fencing-topology|\bfl-[a-z]/i,
        said,
      );
    });

    it('a device or level the fencer refuses is refused at import, naming it; nothing changes', async () => {
      const before = (await status()).configVersion;
      const bad = await cibFile('bad.xml', (x) =>
        x
          .replace('type="fence_vigil"', 'type="fence_nosuchagent"')
          .replace('index="2" devices="fence-spare"', 'index="2" devices="ghost"'),
      );
      const r = await vigil('config', 'import', bad);
      assert.equal(r.code, 65, `${r.out}${r.err}`);
      assert.match(r.err, /VGL_E_CIB_INVALID/);
      assert.match(
        r.err,
        /fence device 'fence-cib' \(stonith:fence_nosuchagent\): fence agent fence_nosuchagent not found/,
      );
      assert.match(r.err, /unknown fence device 'ghost'/);
      assert.equal((await status()).configVersion, before, 'nothing was applied');
    });

    it('imports the CIB: the fencer uses its enabled device; status lists both', async () => {
      const s0 = await status();
      assert.deepEqual(s0.fenceDevices, [], 'the cluster file has no fence device');
      assert.ok(
        s0.warnings.some((w) => /there is no fence device/.test(w)),
        s0.warnings.join(),
      );
      const r = await vigil('config', 'import', await cibFile('good.xml'));
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.err, /not run|kept/);
      assert.match(
        r.out,
        /fencing: the DC fences with fence-cib \(stonith:fence_vigil\), fence-spare \(stonith:fence_dummy, disabled\) and 4 fencing levels/,
      );
      const st = await waitFor(
        async () => {
          const s = await status();
          return s.resources.find((x) => x.id === 'web')?.running.length === 1 ? s : undefined;
        },
        { timeoutMs: WAIT_MS, what: 'web running' },
      );
      assert.ok(!st.warnings.some((w) => /fence device/.test(w)), st.warnings.join());
      const fence = st.fenceDevices.find((d) => d.id === 'fence-cib');
      assert.equal(fence?.state, 'Started');
      assert.equal(fence.running, st.dc);
      assert.equal(fence.source, 'CIB');
      assert.equal(st.fenceDevices.find((d) => d.id === 'fence-spare')?.state, 'Stopped');
      assert.ok(!st.resources.some((x) => x.id.startsWith('fence')), 'not run as resources');
      const text = await vigil('status');
      assert.match(text.out, /fence-cib +\(stonith:fence_vigil\) Started /);
      assert.match(text.out, /fence-spare +\(stonith:fence_dummy\) Stopped \(disabled\)/);
    });

    it('resource create stonith:… goes through the same check; delete takes a device out of the levels', async () => {
      const bad = await vigil(
        'resource',
        'create',
        'fence-x',
        'stonith:fence_vigil',
        'pcmk_host_map=a',
      );
      assert.equal(bad.code, 65, bad.err);
      assert.match(
        bad.err,
        /fence device 'fence-x' \(stonith:fence_vigil\): pcmk_host_map.*expected node:plug/,
      );
      assert.ok(!(await status()).fenceDevices.some((d) => d.id === 'fence-x'));
      // A valid one is created, and the fencer takes it at once.
      const ok = await vigil(
        'resource',
        'create',
        'fence-extra',
        'stonith:fence_dummy',
        'pcmk_host_list=nobody',
      );
      assert.equal(ok.code, 0, ok.err);
      const extra = (await status()).fenceDevices.find((d) => d.id === 'fence-extra');
      assert.equal(extra?.state, 'Started');
      assert.equal(extra.agent, 'stonith:fence_dummy');
      // Deleting a device takes it out of the fencing topology too.
      for (const id of ['fence-extra', 'fence-spare']) {
        const del = await vigil('resource', 'delete', id);
        assert.equal(del.code, 0, del.err);
      }
      assert.deepEqual(
        (await status()).fenceDevices.map((d) => d.id),
        ['fence-cib'],
      );
      const exp = await vigil('config', 'export');
      assert.doesNotMatch(exp.out, /fence-spare|fence-extra|fl-all-2/);
      assert.match(exp.out, /<fencing-level id="fl-a-1" [^>]*devices="fence-cib"/);
    });

    it('fence device monitors: a device whose monitor fails shows FAILED with the reason, once in the log, and recovers', async () => {
      // Two real agents, each made to fail its monitor: Debian's fence_dummy fails it while its
      // status file exists; fence_vigil while its state directory does not.
      const statusFile = join(dir.path, 'dummy-mon.status');
      const stateDir = join(dir.path, 'vigil-mon');
      await mkdir(stateDir, { recursive: true });
      for (const [id, agent, param] of [
        ['fmon-dummy', 'stonith:fence_dummy', `status_file=${statusFile}`],
        ['fmon-vigil', 'stonith:fence_vigil', `state_dir=${stateDir}`],
      ] as const) {
        const r = await vigil(
          'resource',
          'create',
          id,
          agent,
          param,
          'pcmk_host_list=nobody',
          'op',
          'monitor',
          'interval=1s',
          'timeout=10s',
        );
        assert.equal(r.code, 0, r.err);
      }
      const dev = (s: StatusView, id: string) => s.fenceDevices.find((d) => d.id === id);
      const st0 = await status();
      assert.equal(dev(st0, 'fmon-dummy')?.monitorIntervalMs, 1000);
      assert.equal(dev(st0, 'fence-cib')?.monitorIntervalMs, 60_000, 'its op monitor 60s');
      await writeFile(statusFile, 'on\n');
      await rm(stateDir, { recursive: true });
      const failed = await waitFor(
        async () => {
          const s = await status();
          return ['fmon-dummy', 'fmon-vigil'].every((id) => dev(s, id)?.state === 'FAILED')
            ? s
            : undefined;
        },
        { timeoutMs: WAIT_MS, what: 'both monitors failed' },
      );
      assert.equal(dev(failed, 'fmon-dummy')?.monitor?.ok, false);
      assert.match(dev(failed, 'fmon-vigil')?.note ?? '', /state directory .*vigil-mon/);
      assert.equal(dev(failed, 'fence-cib')?.state, 'Started', 'the other device is unaffected');
      const text = await vigil('status');
      assert.match(text.out, /fmon-vigil +\(stonith:fence_vigil\) FAILED \S+ \(monitor failed: /);
      // Several more intervals: still one line in the DC's log for each failure.
      await new Promise((r) => setTimeout(r, 3500));
      const dcLog = () => readFileSync(cluster.logFile(failed.dc!), 'utf8');
      const count = (re: RegExp) => dcLog().match(new RegExp(re, 'g'))?.length ?? 0;
      assert.equal(count(/fence device fmon-vigil: monitor FAILED/), 1, dcLog());
      assert.equal(count(/fence device fmon-dummy: monitor FAILED/), 1);
      // fence_vigil's directory is back: the device recovers; fence_dummy stays failed (the next
      // test fences through fence-cib meanwhile).
      await mkdir(stateDir, { recursive: true });
      await waitFor(
        async () => (dev(await status(), 'fmon-vigil')?.state === 'Started' ? true : undefined),
        { timeoutMs: WAIT_MS, what: 'fmon-vigil recovered' },
      );
      assert.equal(count(/fence device fmon-vigil: monitor ok again/), 1);
      assert.equal(dev(await status(), 'fmon-dummy')?.state, 'FAILED');
    });

    it("kill -9 of web's node: fenced by the CIB's device, then web starts elsewhere", async () => {
      const victim = (await status()).resources.find((x) => x.id === 'web')!.running[0]!;
      assert.equal(
        (await status()).fenceDevices.find((d) => d.id === 'fmon-dummy')?.state,
        'FAILED',
        'a device whose monitor fails does not stop the fencing through another',
      );
      const fencesBefore = fenceLog().length;
      dead.add(victim);
      await cluster.crash(victim);
      const next = await waitFor(
        async () => {
          const s = await status();
          const r = s.resources.find((x) => x.id === 'web');
          const where = r?.running.find((n) => n !== victim);
          return where !== undefined && existsSync(webState(where)) ? where : undefined;
        },
        { timeoutMs: WAIT_MS, what: `web recovered after ${victim} died` },
      );
      const fenced = new RegExp(`^(\\S+) fence_vigil reboot ${victim}: off$`, 'm').exec(
        fenceLog().slice(fencesBefore),
      );
      assert.ok(fenced, `${victim} was fenced by fence_vigil`);
      assert.ok(
        statSync(webState(next)).mtimeMs >= Number(fenced[1]) * 1000 - 5,
        'web started after the fencing',
      );
      const h = await vigil('fence', 'history', victim, '--json');
      assert.equal(h.code, 0, h.err);
      const hist = (JSON.parse(h.out) as { history: FenceOutcome[] }).history;
      const done = hist.find((x) => x.ok && x.action === 'reboot');
      assert.ok(done, h.out);
      assert.deepEqual(
        done.attempts.map((a) => [a.level, a.device, a.ok]),
        [[1, 'fence-cib', true]],
      );
      const dcLog = readFileSync(cluster.logFile((await status()).dc!), 'utf8');
      assert.match(dcLog, new RegExp(`fence ${victim} \\(reboot\\) level 1 with fence-cib: ok`));
      const text = await vigil('fence', 'history');
      assert.match(text.out, new RegExp(`reboot of ${victim}: ok`));
      assert.match(text.out, /level 1 fence-cib reboot plug \S+: ok/);
      firstFencing = { victim, startedWallMs: done.startedWallMs };
    });

    it('the fencing history is in the CIB: after kill -9 of the DC, the new DC shows the earlier fencing', async () => {
      const first = firstFencing!;
      // The fenced node is back (fence_vigil's reboot ran its start script).
      await waitFor(
        async () => ((await status()).nodes.every((n) => n.online) ? true : undefined),
        { timeoutMs: WAIT_MS, what: `${first.victim} back online` },
      );
      dead.delete(first.victim);
      const oldDc = (await status()).dc!;
      dead.add(oldDc);
      await cluster.crash(oldDc);
      const s = await waitFor(
        async () => {
          const x = await status();
          return x.dc !== null && x.dc !== oldDc ? x : undefined;
        },
        { timeoutMs: WAIT_MS, what: 'a new DC' },
      );
      const h = await vigil('fence', 'history', first.victim, '--json');
      assert.equal(h.code, 0, h.err);
      const r = JSON.parse(h.out) as { node: string; dc: boolean; recorded: FenceRecord[] };
      assert.equal(r.dc, true);
      assert.equal(r.node, s.dc, 'answered by the new DC');
      const rec = r.recorded.find((x) => x.startedWallMs === first.startedWallMs);
      assert.ok(rec, h.out);
      assert.equal(rec.ok, true);
      assert.equal(rec.action, 'reboot');
      assert.equal(rec.dc, oldDc, 'run by the old DC');
      assert.deepEqual(rec.devices, ['fence-cib']);
      assert.match(rec.why, new RegExp(first.victim));
      const text = await vigil('fence', 'history');
      assert.match(
        text.out,
        new RegExp(`reboot of ${first.victim}: ok by fence-cib \\(DC ${oldDc}`),
      );
      // The new DC fences the old one too; vigil status shows the history like crm_mon.
      const st = await waitFor(
        async () => {
          const x = await status();
          return x.fencing.some((f) => f.target === oldDc && f.ok) ? x : undefined;
        },
        { timeoutMs: WAIT_MS, what: `${oldDc} fenced by the new DC` },
      );
      assert.ok(st.fencing.some((f) => f.target === first.victim && f.dc === oldDc));
      const out = (await vigil('status')).out;
      assert.match(out, new RegExp(`last fenced: ${oldDc} at \\S+ by fence-cib`));
      assert.match(
        out,
        new RegExp(`\\* reboot of ${first.victim} successful: device=fence-cib, origin=${oldDc}`),
      );
      // The new DC monitors too: fence_dummy recovers once its status file is gone.
      assert.equal(st.fenceDevices.find((d) => d.id === 'fmon-dummy')?.state, 'FAILED');
      await rm(join(dir.path, 'dummy-mon.status'));
      await waitFor(
        async () =>
          (await status()).fenceDevices.find((d) => d.id === 'fmon-dummy')?.state === 'Started'
            ? true
            : undefined,
        { timeoutMs: WAIT_MS, what: 'fmon-dummy recovered under the new DC' },
      );
    });
  },
);
