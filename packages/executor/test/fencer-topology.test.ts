import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from '@vigil/base';
import { SystemRandom } from '@vigil/base/real';
import { AgentFencer, type FenceDeviceSpec, type FenceLevelSpec } from '@vigil/executor';
import { needs, tempDir, waitFor } from '@vigil/testkit';
import {
  FakeNode,
  RecordingClock,
  RecordingRunner,
  ScriptedRandom,
  liveProcess,
  scriptAgent,
  type Event,
} from './fencer-helpers.js';

const need = needs('file:/usr/sbin/fence_dummy');

function fencer(
  log: Event[],
  devices: FenceDeviceSpec[],
  topology: FenceLevelSpec[] = [],
  random: Random = new SystemRandom(),
): AgentFencer {
  return new AgentFencer({
    runner: new RecordingRunner(log),
    clock: new RecordingClock(log),
    random,
    devices,
    topology,
  });
}

/** fence_dummy keeping its state in `file`, starting on. */
function dummy(id: string, file: string, extra: Record<string, string> = {}): FenceDeviceSpec {
  writeFileSync(file, 'on');
  return {
    id,
    agent: 'fence_dummy',
    params: { status_file: file, pcmk_host_check: 'none', ...extra },
  };
}

describe('fencing topology with real agents', need, () => {
  it('tries level 2 when level 1 fails, and level 2 needs both its devices', async () => {
    await using dir = await tempDir('fence-topo');
    const node = await FakeNode.start(dir.path, 'n1');
    const log: Event[] = [];
    const f = fencer(
      log,
      [
        // Points n1 at a plug nobody registered: the agent fails.
        {
          id: 'bad-plug',
          agent: 'fence_vigil',
          params: { state_dir: dir.path, pcmk_host_map: 'n1:ghost', pcmk_off_retries: '0' },
        },
        {
          id: 'vigil',
          agent: 'fence_vigil',
          params: { state_dir: dir.path, pcmk_host_list: 'n1' },
        },
        dummy('psu', join(dir.path, 'psu')),
      ],
      [
        { index: 1, target: 'n1', devices: ['bad-plug'] },
        { index: 2, target: 'n1', devices: ['vigil', 'psu'] },
      ],
    );
    const before = node.members();
    try {
      const r = await f.fence('n1', 'off');
      assert.equal(r.ok, true, r.reason);
      assert.deepEqual(r.levelsTried, [1, 2]);
      assert.match(r.reason, /n1 confirmed off by level 2 \(vigil, psu\)/);
      assert.deepEqual(
        r.attempts.map((a) => [a.level, a.device, a.plug, a.ok]),
        [
          [1, 'bad-plug', 'ghost', false],
          [2, 'vigil', 'n1', true],
          [2, 'psu', undefined, true],
        ],
      );
      assert.match(r.attempts[0]!.reason, /plug 'ghost' is not registered/);
      for (const p of before) assert.equal(liveProcess(p), false);
      assert.equal(readFileSync(join(dir.path, 'psu'), 'utf8'), 'off');
      // Each off is followed by its verifying status, level by level.
      assert.deepEqual(
        log.filter((e) => e.endsWith(' off') || e.endsWith(' status')),
        [
          'run fence_vigil off',
          'run fence_vigil off',
          'run fence_vigil status',
          'run fence_dummy off',
          'run fence_dummy status',
        ],
      );
      const h = f.history();
      assert.equal(h.length, 1);
      assert.deepEqual(h[0], r);
    } finally {
      node.kill();
    }
  });

  it('a level where one of two devices fails is a failed level', async () => {
    await using dir = await tempDir('fence-topo');
    const f = fencer(
      [],
      [
        dummy('psu-a', join(dir.path, 'a')),
        dummy('psu-b', join(dir.path, 'b'), {
          type: 'fail',
          power_timeout: '1',
          pcmk_off_retries: '0',
        }),
        dummy('spare', join(dir.path, 'c')),
      ],
      [
        { index: 1, targetPattern: '^n[0-9]$', devices: ['psu-a', 'psu-b'] },
        { index: 2, targetPattern: '^n[0-9]$', devices: ['spare'] },
      ],
    );
    const r = await f.fence('n5', 'off');
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(
      r.attempts.map((a) => [a.level, a.device, a.ok]),
      [
        [1, 'psu-a', true],
        [1, 'psu-b', false],
        [2, 'spare', true],
      ],
    );
    assert.equal(readFileSync(join(dir.path, 'a'), 'utf8'), 'off', 'psu-a did run');
    assert.equal(readFileSync(join(dir.path, 'c'), 'utf8'), 'off');

    // Without the spare level, the failed level fails the request.
    const g = fencer(
      [],
      [
        dummy('psu-a', join(dir.path, 'a2')),
        dummy('psu-b', join(dir.path, 'b2'), {
          type: 'fail',
          power_timeout: '1',
          pcmk_off_retries: '0',
        }),
      ],
      [{ index: 1, target: 'n5', devices: ['psu-a', 'psu-b'] }],
    );
    const bad = await g.fence('n5', 'off');
    assert.equal(bad.ok, false);
    assert.equal(bad.code, 'VGL_E_FENCE_FAILED');
    assert.match(bad.reason, /every level failed: level 1: psu-b: off failed \(rc 1\)/);
  });

  it('enforces the timeout of a device that hangs ignoring SIGTERM, then tries the next level', async () => {
    await using dir = await tempDir('fence-topo');
    const childPidFile = join(dir.path, 'hang-child.pid');
    const hang = scriptAgent(
      dir.path,
      'fence_hang',
      `trap '' TERM\nsleep 1000 &\necho $! > ${childPidFile}\nwait\nwait`,
    );
    const log: Event[] = [];
    const f = fencer(
      log,
      [
        {
          id: 'hang',
          agent: hang,
          params: {
            pcmk_host_check: 'none',
            pcmk_host_argument: 'plug',
            pcmk_off_timeout: '1500ms',
          },
        },
        dummy('dummy', join(dir.path, 'd')),
      ],
      [
        { index: 1, target: 'n1', devices: ['hang'] },
        { index: 2, target: 'n1', devices: ['dummy'] },
      ],
    );
    const r = await f.fence('n1', 'off');
    assert.equal(r.ok, true, r.reason);
    const a = r.attempts[0]!;
    assert.equal(a.device, 'hang');
    assert.equal(a.timedOut, true);
    assert.equal(a.code, 'VGL_E_TIMEOUT');
    assert.equal(a.runs, 1, 'a timeout is not retried');
    assert.match(a.reason, /off timed out after 1500 ms; the agent's process group was killed/);
    const child = Number(readFileSync(childPidFile, 'utf8'));
    await waitFor(() => !liveProcess(child), {
      timeoutMs: 10_000,
      what: "the hanging agent's child to die",
    });
    assert.deepEqual(
      r.attempts.map((x) => [x.device, x.ok]),
      [
        ['hang', false],
        ['dummy', true],
      ],
    );
    assert.deepEqual(log.filter((e) => e.startsWith('run')).slice(0, 2), [
      'run fence_hang off',
      'run fence_dummy metadata',
    ]);
  });

  it('routes each node to its device and plug by host map and host list', async () => {
    await using dir = await tempDir('fence-topo');
    const pduDir = join(dir.path, 'pdu');
    const otherDir = join(dir.path, 'other');
    mkdirSync(pduDir);
    mkdirSync(otherDir);
    const p1 = await FakeNode.start(pduDir, 'p1');
    const p2 = await FakeNode.start(pduDir, 'p2');
    const n3 = await FakeNode.start(otherDir, 'n3');
    try {
      const f = fencer(
        [],
        [
          {
            id: 'pdu',
            agent: 'fence_vigil',
            params: { state_dir: pduDir, pcmk_host_map: 'n1:p1;n2:p2' },
          },
          {
            id: 'other',
            agent: 'fence_vigil',
            params: { state_dir: otherDir, pcmk_host_list: 'n3' },
          },
        ],
      );
      const r2 = await f.fence('n2', 'off');
      assert.equal(r2.ok, true, r2.reason);
      assert.deepEqual(
        r2.attempts.map((a) => [a.device, a.plug]),
        [['pdu', 'p2']],
      );
      assert.equal(p2.members().length, 0, 'p2 was fenced');
      assert.equal(p1.members().length, 3, 'p1 untouched');
      assert.equal(n3.members().length, 3, 'n3 untouched');

      const r3 = await f.fence('n3', 'off');
      assert.equal(r3.ok, true, r3.reason);
      assert.deepEqual(
        r3.attempts.map((a) => [a.device, a.plug]),
        [['other', 'n3']],
      );
      assert.equal(n3.members().length, 0);
      assert.equal(p1.members().length, 3);

      const r4 = await f.fence('n4', 'off');
      assert.equal(r4.ok, false);
      assert.match(r4.reason, /cannot off n4: no fence device can fence it/);
      assert.deepEqual(r4.attempts, []);
      assert.deepEqual(
        f.history().map((e) => [e.target, e.ok]),
        [
          ['n2', true],
          ['n3', true],
          ['n4', false],
        ],
      );
    } finally {
      p1.kill();
      p2.kill();
      n3.kill();
    }
  });

  it('a device configured with its own port acts on that port whatever the target', async () => {
    await using dir = await tempDir('fence-topo');
    const fixed = await FakeNode.start(dir.path, 'fixed');
    try {
      const f = fencer(
        [],
        [
          {
            id: 'one-plug',
            agent: 'fence_vigil',
            params: { state_dir: dir.path, port: 'fixed', pcmk_host_list: 'n7' },
          },
        ],
      );
      const r = await f.fence('n7', 'off');
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.attempts[0]!.plug, undefined, 'no plug sent: the device has its own');
      assert.equal(fixed.members().length, 0);
    } finally {
      fixed.kill();
    }
  });

  it('applies static and random delays before fencing actions only', async () => {
    await using dir = await tempDir('fence-topo');
    const log: Event[] = [];
    const random = new ScriptedRandom([250]);
    const f = fencer(
      log,
      [dummy('slow', join(dir.path, 's'), { pcmk_delay_base: '100ms', pcmk_delay_max: '400ms' })],
      [],
      random,
    );
    const st = await f.fence('n1', 'status');
    assert.equal(st.ok, true, st.reason);
    assert.ok(!log.some((e) => e.startsWith('sleep')), 'no delay before status');
    log.length = 0;

    const r = await f.fence('n1', 'off');
    assert.equal(r.ok, true, r.reason);
    const a = r.attempts[0]!;
    assert.equal(a.delayBaseMs, 100);
    assert.equal(a.delayRandomMs, 250);
    assert.deepEqual(random.calls, [[0, 301]], 'random part drawn in [0, max - base]');
    assert.deepEqual(log, ['sleep 350', 'run fence_dummy off', 'run fence_dummy status']);

    // A per-node base delay: n2 has none.
    const log2: Event[] = [];
    const g = fencer(log2, [dummy('d', join(dir.path, 't'), { pcmk_delay_base: 'n1:200ms;n2:0' })]);
    const r2 = await g.fence('n2', 'off');
    assert.equal(r2.attempts[0]!.delayBaseMs, 0);
    const r1 = await g.fence('n1', 'reboot');
    assert.equal(r1.ok, true, r1.reason);
    assert.equal(r1.attempts[0]!.delayBaseMs, 200);
    assert.deepEqual(
      log2.filter((e) => e.startsWith('sleep') || e.endsWith('reboot')),
      ['sleep 200', 'run fence_dummy reboot'],
    );
  });

  it('is ok only when status confirms off', async () => {
    await using dir = await tempDir('fence-topo');
    // An agent that claims every off worked while its status keeps saying on.
    const liar = scriptAgent(
      dir.path,
      'fence_liar',
      `action=$(sed -n 's/^action=//p')\ncase "$action" in off) echo "Success: Powered OFF"; exit 0 ;; status) echo "Status: ON"; exit 0 ;; esac\nexit 1`,
    );
    const params = { pcmk_host_check: 'none', pcmk_host_argument: 'plug' };
    const f = fencer([], [{ id: 'liar', agent: liar, params }]);
    const r = await f.fence('n1', 'off');
    assert.equal(r.ok, false);
    assert.equal(r.code, 'VGL_E_FENCE_FAILED');
    assert.equal(r.attempts[0]!.verified, 'on');
    assert.match(r.reason, /off returned success but status still reports on/);

    const trusting = fencer(
      [],
      [{ id: 'liar', agent: liar, params: { ...params, vigil_verify: 'none' } }],
    );
    assert.equal((await trusting.fence('n1', 'off')).ok, true);
  });

  it('reboots a level of two devices as all off, confirmed, then all on', async () => {
    await using dir = await tempDir('fence-topo');
    const node = await FakeNode.start(dir.path, 'n1');
    const log: Event[] = [];
    const f = fencer(
      log,
      [
        {
          id: 'vigil',
          agent: 'fence_vigil',
          params: { state_dir: dir.path, pcmk_host_list: 'n1' },
        },
        dummy('psu', join(dir.path, 'psu')),
      ],
      [{ index: 1, target: 'n1', devices: ['vigil', 'psu'] }],
    );
    const before = node.members();
    try {
      const r = await f.fence('n1', 'reboot');
      assert.equal(r.ok, true, r.reason);
      assert.deepEqual(
        r.attempts.map((a) => [a.device, a.action, a.ok]),
        [
          ['vigil', 'off', true],
          ['psu', 'off', true],
          ['vigil', 'on', true],
          ['psu', 'on', true],
        ],
      );
      assert.deepEqual(
        log.filter((e) => / (off|on|status)$/.test(e)),
        [
          'run fence_vigil off',
          'run fence_vigil status',
          'run fence_dummy off',
          'run fence_dummy status',
          'run fence_vigil on',
          'run fence_dummy on',
        ],
      );
      for (const p of before) assert.equal(liveProcess(p), false);
      await waitFor(() => node.members().length === 3, { timeoutMs: 10_000, what: 'n1 back on' });
      assert.equal(readFileSync(join(dir.path, 'psu'), 'utf8'), 'on');
    } finally {
      node.kill();
    }
  });

  it('runs concurrent requests for the same target once, and keeps a bounded history', async () => {
    await using dir = await tempDir('fence-topo');
    const log: Event[] = [];
    const f = new AgentFencer({
      runner: new RecordingRunner(log),
      clock: new RecordingClock(log),
      random: new SystemRandom(),
      devices: [dummy('d', join(dir.path, 'd'))],
      historyLimit: 2,
    });
    const [a, b] = await Promise.all([f.fence('n1', 'off'), f.fence('n1', 'off')]);
    assert.equal(a.id, b.id);
    assert.equal(log.filter((e) => e === 'run fence_dummy off').length, 1);
    await f.fence('n1', 'on');
    await f.fence('n1', 'status');
    assert.deepEqual(
      f.history().map((e) => [e.id, e.action]),
      [
        [2, 'on'],
        [3, 'status'],
      ],
    );
    await assert.rejects(f.fence('bad name', 'off'), { code: 'VGL_E_INVALID_INPUT' });
  });
});
