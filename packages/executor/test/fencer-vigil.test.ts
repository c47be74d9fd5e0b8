import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock, SystemRandom } from '@vigil/base/real';
import {
  AgentFencer,
  BUILTIN_AGENT_DIR,
  NodeProcessRunner,
  fetchMetadata,
  hostArgumentOf,
  resolveAgent,
  runAgent,
} from '@vigil/executor';
import { Netns, needs, run, tempDir, waitFor } from '@vigil/testkit';
import { FakeNode, liveProcess } from './fencer-helpers.js';

const runner = new NodeProcessRunner();
const real = { runner, clock: new SystemClock(), random: new SystemRandom() };
const AGENT = join(BUILTIN_AGENT_DIR, 'fence_vigil');

describe('fence_vigil', () => {
  it('is found by name and describes itself in meta-data, taking a plug', async () => {
    assert.equal(resolveAgent('fence_vigil'), AGENT);
    const md = await fetchMetadata(runner, AGENT, 20_000);
    assert.equal(md.name, 'fence_vigil');
    assert.deepEqual(
      md.parameters.map((p) => p.name),
      ['action', 'plug', 'port', 'state_dir', 'piddir', 'tagprefix', 'log', 'power_timeout'],
    );
    assert.equal(hostArgumentOf(md), 'port');
    for (const a of ['on', 'off', 'reboot', 'status', 'list', 'monitor'])
      assert.ok(md.actions.includes(a), a);
  });

  it('takes the command-line form too (-o ACTION -n PLUG)', async () => {
    await using dir = await tempDir('fence-vigil');
    const node = await FakeNode.start(dir.path, 'n1');
    try {
      const r = await run(AGENT, ['-o', 'status', '-n', 'n1', `--state-dir=${dir.path}`], {
        timeoutMs: 20_000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Status: ON/);
      const bad = await run(AGENT, ['-o', 'status', '-n', '../etc', `--state-dir=${dir.path}`], {
        timeoutMs: 20_000,
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /plug '..\/etc' is not a valid name/);
      // Processes vanish while the agent scans /proc: that must not show up as noise.
      const off = await run(AGENT, ['-o', 'off', '-n', 'n1', `--state-dir=${dir.path}`], {
        timeoutMs: 20_000,
      });
      assert.equal(off.code, 0, off.stderr);
      assert.equal(off.stdout, 'Success: Powered OFF\n');
      assert.equal(off.stderr, '');
      assert.equal(node.members().length, 0);
    } finally {
      node.kill();
    }
  });

  it('kills a node process group: off, status confirms off, on restarts it, reboot replaces it', async () => {
    await using dir = await tempDir('fence-vigil');
    const node = await FakeNode.start(dir.path, 'n1');
    const first = node.members();
    assert.equal(first.length, 3);
    const f = new AgentFencer({
      ...real,
      devices: [{ id: 'vigil', agent: 'fence_vigil', params: { state_dir: dir.path } }],
    });
    try {
      const off = await f.fence('n1', 'off');
      assert.equal(off.ok, true, off.reason);
      assert.equal(off.attempts.at(-1)?.verified, 'off');
      for (const pid of first) assert.equal(liveProcess(pid), false, `pid ${pid} was killed`);
      const st = await f.fence('n1', 'status');
      assert.equal(st.state, 'off');

      const on = await f.fence('n1', 'on');
      assert.equal(on.ok, true, on.reason);
      const second = await waitFor(
        () => (node.members().length === 3 ? node.members() : undefined),
        {
          timeoutMs: 10_000,
          what: 'the restarted node',
        },
      );
      assert.ok(
        second.every((p) => !first.includes(p)),
        'new processes',
      );
      assert.equal((await f.fence('n1', 'status')).state, 'on');

      const reboot = await f.fence('n1', 'reboot');
      assert.equal(reboot.ok, true, reboot.reason);
      for (const pid of second)
        assert.equal(liveProcess(pid), false, `pid ${pid} was killed by reboot`);
      const third = await waitFor(
        () => (node.members().length === 3 ? node.members() : undefined),
        {
          timeoutMs: 10_000,
          what: 'the node after reboot',
        },
      );
      assert.ok(third.every((p) => !second.includes(p)));
    } finally {
      node.kill();
    }
  });

  it('lists registered plugs, and the fencer uses that list (dynamic-list) to pick devices', async () => {
    await using dir = await tempDir('fence-vigil');
    const node = await FakeNode.start(dir.path, 'n2');
    try {
      const list = await runAgent(
        runner,
        AGENT,
        { action: 'list', params: { state_dir: dir.path } },
        20_000,
      );
      assert.equal(list.stdout, 'n2\n');
      const f = new AgentFencer({
        ...real,
        devices: [{ id: 'vigil', agent: 'fence_vigil', params: { state_dir: dir.path } }],
      });
      assert.deepEqual([...(await f.listPlugs('vigil'))], ['n2']);
      const r = await f.fence('n9', 'off');
      assert.equal(r.ok, false);
      assert.equal(r.code, 'VGL_E_FENCE_FAILED');
      assert.match(r.reason, /cannot off n9: no fence device can fence it/);
      assert.equal(node.members().length, 3, 'the listed node is untouched');
    } finally {
      node.kill();
    }
  });

  it('fails status for an unregistered plug with a clear reason', async () => {
    await using dir = await tempDir('fence-vigil');
    const r = await runAgent(
      runner,
      AGENT,
      { action: 'status', params: { state_dir: dir.path }, plug: 'ghost', hostArgument: 'plug' },
      20_000,
    );
    assert.equal(r.ok, false);
    assert.equal(r.rc, 1);
    assert.match(r.summary, /plug 'ghost' is not registered/);
    // A registration naming init is refused, not reported off.
    writeFileSync(join(dir.path, 'init.pid'), '1\n');
    const init = await runAgent(
      runner,
      AGENT,
      { action: 'off', params: { state_dir: dir.path }, plug: 'init', hostArgument: 'plug' },
      20_000,
    );
    assert.equal(init.rc, 1);
    assert.match(
      init.summary,
      /init.pid does not hold a process id above 1; refusing to act on it/,
    );
  });

  it('answers monitor and list through the fencer', async () => {
    await using dir = await tempDir('fence-vigil');
    const node = await FakeNode.start(dir.path, 'n4');
    try {
      const f = new AgentFencer({
        ...real,
        devices: [{ id: 'vigil', agent: 'fence_vigil', params: { state_dir: dir.path } }],
      });
      const mon = await f.runDeviceAction('vigil', 'monitor');
      assert.equal(mon.ok, true, mon.summary);
      const m = await f.fence('n4', 'monitor');
      assert.equal(m.ok, true, m.reason);
      assert.deepEqual(
        m.attempts.map((a) => [a.device, a.action]),
        [['vigil', 'monitor']],
      );
      const broken = new AgentFencer({
        ...real,
        devices: [
          {
            id: 'vigil',
            agent: 'fence_vigil',
            params: { state_dir: join(dir.path, 'nope'), pcmk_host_list: 'n4' },
          },
        ],
      });
      const bad = await broken.fence('n4', 'monitor');
      assert.equal(bad.ok, false);
      assert.equal(bad.code, 'VGL_E_AGENT');
      assert.match(bad.reason, /state directory .*nope does not exist/);
      assert.equal(node.members().length, 3, 'monitor touches no node');
    } finally {
      node.kill();
    }
  });
});

describe('fence_vigil with environment tags', () => {
  it('kills every process carrying the node tag, even in other sessions, and restarts it', async () => {
    await using dir = await tempDir('fence-vigil');
    const prefix = `vgltest${process.pid}-`;
    const tag = `VIGIL_FENCE_TAG=${prefix}n5`;
    const log = join(dir.path, 'fence.log');
    const start = join(dir.path, 'n5.start');
    // The node's daemon, one child in its group and one that escaped into its own session.
    writeFileSync(
      start,
      `#!/bin/sh\nexport ${tag}\nexec sh -c 'sleep 1000 & setsid sleep 1000 & wait'\n`,
    );
    chmodSync(start, 0o755);
    const tagged = (): number[] => {
      const out: number[] = [];
      for (const e of readdirSync('/proc')) {
        if (!/^\d+$/.test(e)) continue;
        try {
          if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(tag))
            out.push(Number(e));
        } catch {
          // gone
        }
      }
      return out.filter(liveProcess);
    };
    const child = spawn(start, [], { detached: true, stdio: 'ignore' });
    child.unref();
    const f = new AgentFencer({
      ...real,
      devices: [
        {
          id: 'tags',
          agent: 'fence_vigil',
          params: { tagprefix: prefix, piddir: dir.path, log, pcmk_host_list: 'n5' },
        },
      ],
    });
    try {
      const before = await waitFor(() => (tagged().length === 3 ? tagged() : undefined), {
        timeoutMs: 10_000,
        what: 'the tagged node',
      });
      assert.deepEqual([...(await f.listPlugs('tags'))].sort(), ['n5']);
      const off = await f.fence('n5', 'off');
      assert.equal(off.ok, true, off.reason);
      for (const p of before) assert.equal(liveProcess(p), false, `pid ${p} was killed`);
      assert.deepEqual(tagged(), []);
      const on = await f.fence('n5', 'on');
      assert.equal(on.ok, true, on.reason);
      const after = await waitFor(() => (tagged().length === 3 ? tagged() : undefined), {
        timeoutMs: 10_000,
        what: 'the node restarted',
      });
      assert.ok(after.every((p) => !before.includes(p)));
      assert.match(
        readFileSync(log, 'utf8'),
        /fence_vigil off n5: off\n.*fence_vigil on n5: on\n/s,
      );
    } finally {
      for (const p of tagged()) process.kill(p, 'SIGKILL');
    }
  });
});

describe('fence_vigil on a network namespace', needs('root', 'cmd:ip'), () => {
  it('kills every process in the namespace, confirms off, then restarts the node', async () => {
    await using dir = await tempDir('fence-vigil');
    await using ns = await Netns.create(`fv${process.pid}`);
    const startCmd = `ip netns exec ${ns.name} sh -c 'sleep 1000 & sleep 1000 & wait'`;
    writeFileSync(join(dir.path, 'n3.netns'), `${ns.name}\n`);
    writeFileSync(join(dir.path, 'n3.start'), `${startCmd}\n`);
    const child = spawn('sh', ['-c', startCmd], { detached: true, stdio: 'ignore' });
    child.unref();
    const pidsIn = async (): Promise<number[]> => {
      const r = await run('ip', ['netns', 'pids', ns.name], { timeoutMs: 10_000 });
      return r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map(Number)
        .filter(liveProcess);
    };
    const f = new AgentFencer({
      ...real,
      devices: [
        {
          id: 'vigil',
          agent: 'fence_vigil',
          params: { state_dir: dir.path, pcmk_host_list: 'n3' },
        },
      ],
    });
    try {
      const before = await waitFor(
        async () => ((await pidsIn()).length >= 3 ? pidsIn() : undefined),
        {
          timeoutMs: 10_000,
          what: 'processes in the namespace',
        },
      );
      const off = await f.fence('n3', 'off');
      assert.equal(off.ok, true, off.reason);
      assert.deepEqual(await pidsIn(), []);
      for (const p of before) assert.equal(liveProcess(p), false);
      assert.equal((await f.fence('n3', 'status')).state, 'off');

      const on = await f.fence('n3', 'on');
      assert.equal(on.ok, true, on.reason);
      const after = await waitFor(
        async () => ((await pidsIn()).length >= 3 ? pidsIn() : undefined),
        {
          timeoutMs: 10_000,
          what: 'the node restarted in the namespace',
        },
      );
      assert.ok(after.every((p) => !before.includes(p)));
      assert.equal((await f.fence('n3', 'status')).state, 'on');
    } finally {
      await f.fence('n3', 'off');
    }
  });
});
