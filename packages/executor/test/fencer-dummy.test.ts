import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock, SystemRandom } from '@vigil/base/real';
import {
  AgentFencer,
  NodeProcessRunner,
  fetchMetadata,
  resolveAgent,
  runAgent,
  hostArgumentOf,
} from '@vigil/executor';
import { needs, tempDir } from '@vigil/testkit';

const runner = new NodeProcessRunner();
const real = { runner, clock: new SystemClock(), random: new SystemRandom() };
const need = needs('file:/usr/sbin/fence_dummy');

describe('fence_dummy through the stdin protocol', need, () => {
  it('answers status from its status file: rc 2 off, rc 0 on', async () => {
    await using dir = await tempDir('fence-dummy');
    // A path with a space and '=' checks that values travel unaltered.
    const statusFile = join(dir.path, 'st a=b');
    const path = resolveAgent('fence_dummy');
    assert.equal(path, '/usr/sbin/fence_dummy');
    const off = await runAgent(
      runner,
      path,
      { action: 'status', params: { status_file: statusFile } },
      20_000,
    );
    assert.equal(off.rc, 2, off.stderr);
    assert.equal(off.power, 'off');
    assert.equal(off.ok, true);
    const on = await runAgent(
      runner,
      path,
      { action: 'on', params: { status_file: statusFile } },
      20_000,
    );
    assert.equal(on.ok, true, on.summary);
    assert.equal(readFileSync(statusFile, 'utf8'), 'on');
    const st = await runAgent(
      runner,
      path,
      { action: 'status', params: { status_file: statusFile } },
      20_000,
    );
    assert.equal(st.power, 'on');
    assert.equal(st.rc, 0);
  });

  it('reports a failing action with VGL_E_AGENT and the agent own words', async () => {
    const r = await runAgent(
      runner,
      resolveAgent('fence_dummy'),
      { action: 'list', params: {} },
      20_000,
    );
    assert.equal(r.ok, false);
    assert.equal(r.rc, 1);
    assert.equal(r.code, 'VGL_E_AGENT');
    assert.match(r.summary, /list failed \(rc 1\): ERROR: Failed: Unrecognised action 'list'/);
  });

  it('kills an agent sleeping past its timeout (random_sleep_range) with VGL_E_TIMEOUT', async () => {
    await using dir = await tempDir('fence-dummy');
    const r = await runAgent(
      runner,
      resolveAgent('fence_dummy'),
      { action: 'off', params: { status_file: join(dir.path, 'st'), random_sleep_range: '30' } },
      700,
    );
    assert.equal(r.timedOut, true);
    assert.equal(r.ok, false);
    assert.equal(r.code, 'VGL_E_TIMEOUT');
    assert.equal(r.signal, 'SIGKILL');
  });

  it('reads and parses its meta-data', async () => {
    const md = await fetchMetadata(runner, resolveAgent('fence_dummy'), 20_000);
    assert.equal(md.name, 'fence_dummy');
    const names = md.parameters.map((p) => p.name);
    for (const n of ['action', 'status_file', 'random_sleep_range', 'type'])
      assert.ok(names.includes(n), n);
    assert.equal(
      md.parameters.find((p) => p.name === 'status_file')?.default,
      '/tmp/fence_dummy.status',
    );
    assert.ok(md.actions.includes('off') && md.actions.includes('status'));
    assert.ok(!md.actions.includes('list'));
    assert.equal(hostArgumentOf(md), undefined, 'fence_dummy takes no plug');
  });

  it('rejects an unknown agent with VGL_E_NOT_FOUND', () => {
    assert.throws(() => resolveAgent('fence_nonexistent_xyz'), { code: 'VGL_E_NOT_FOUND' });
    assert.throws(() => resolveAgent('rm'), { code: 'VGL_E_USAGE' });
  });
});

describe('AgentFencer with fence_dummy', need, () => {
  it('fences off, confirmed by status, and powers on again', async () => {
    await using dir = await tempDir('fence-dummy');
    const statusFile = join(dir.path, 'status');
    writeFileSync(statusFile, 'on');
    const f = new AgentFencer({
      ...real,
      devices: [{ id: 'dummy', agent: 'fence_dummy', params: { status_file: statusFile } }],
    });
    const st = await f.fence('n1', 'status');
    assert.equal(st.ok, true, st.reason);
    assert.equal(st.state, 'on');

    const off = await f.fence('n1', 'off');
    assert.equal(off.ok, true, off.reason);
    assert.equal(readFileSync(statusFile, 'utf8'), 'off');
    const a = off.attempts.at(-1)!;
    assert.equal(a.device, 'dummy');
    assert.equal(a.action, 'off');
    assert.equal(a.verified, 'off');
    assert.match(off.reason, /n1 confirmed off by device dummy/);

    const on = await f.fence('n1', 'on');
    assert.equal(on.ok, true, on.reason);
    assert.equal(readFileSync(statusFile, 'utf8'), 'on');
    assert.deepEqual(
      f.history({ target: 'n1' }).map((e) => [e.action, e.ok]),
      [
        ['status', true],
        ['off', true],
        ['on', true],
      ],
    );
  });

  it('fails with VGL_E_FENCE_FAILED when the device fails (type=fail), retrying as configured', async () => {
    const f = new AgentFencer({
      ...real,
      devices: [
        {
          id: 'broken',
          agent: 'fence_dummy',
          params: {
            type: 'fail',
            power_timeout: '1',
            pcmk_host_check: 'none',
            pcmk_off_retries: '1',
          },
        },
      ],
    });
    const r = await f.fence('n1', 'off');
    assert.equal(r.ok, false);
    assert.equal(r.code, 'VGL_E_FENCE_FAILED');
    const a = r.attempts[0]!;
    assert.equal(a.runs, 2, 'one retry after the failure');
    assert.equal(a.code, 'VGL_E_AGENT');
    assert.match(r.reason, /cannot off n1: every level failed: device broken: off failed \(rc 1\)/);
  });
});

describe('fence agents installed on this machine', needs('cmd:fence_dummy'), () => {
  it('every fence_* agent answers meta-data that parses', async (t) => {
    // fence_ack_manual is a manual acknowledgement tool shipped alongside the agents; it does
    // not speak the protocol (it prints its usage for any stdin).
    const NOT_AGENTS = new Set(['fence_ack_manual']);
    const agents = readdirSync('/usr/sbin').filter(
      (n) => n.startsWith('fence_') && !NOT_AGENTS.has(n),
    );
    assert.ok(agents.length > 0);
    const failures: string[] = [];
    let parameters = 0;
    const queue = [...agents];
    await Promise.all(
      [1, 2].map(async () => {
        for (let a = queue.shift(); a !== undefined; a = queue.shift()) {
          try {
            const md = await fetchMetadata(runner, `/usr/sbin/${a}`, 30_000);
            // Names need not match the file (fence_legacy calls itself fence_pcmk), and a few
            // agents only reboot (fence_rcd_serial).
            assert.ok(/^fence_\w+$/.test(md.name), `${a} names itself`);
            assert.ok(
              md.actions.includes('off') || md.actions.includes('reboot'),
              `${a} advertises off or reboot`,
            );
            parameters += md.parameters.length;
          } catch (e) {
            failures.push(`${a}: ${(e as Error).message}`);
          }
        }
      }),
    );
    t.diagnostic(
      `${agents.length - failures.length}/${agents.length} fence agents' meta-data parsed, ${parameters} parameters`,
    );
    assert.deepEqual(failures, []);
  });
});
