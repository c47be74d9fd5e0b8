import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeProcessRunner } from '@vigil/executor';
import { needs, tempDir, waitFor } from '@vigil/testkit';
import { parseClusterConfig } from '../src/config/index.js';
import { NodeFencing } from '../src/node/fencing.js';
import { FenceDeviceMonitor, type MonitorResult } from '../src/node/fence-monitor.js';

/**
 * The DC's fence device monitors with real agents: Debian's fence_dummy (its monitor fails while
 * its status file exists), vigil's fence_vigil (fails while its state directory is missing), and
 * an agent whose monitor hangs, through the same NodeFencing vigild uses.
 */
function config(devices: string): string {
  return `cluster: f
nodes:
  - { name: a, links: [127.0.0.1:7001] }
  - { name: b, links: [127.0.0.1:7002] }
  - { name: c, links: [127.0.0.1:7003] }
fencing:
  devices:
${devices}`;
}

interface Change {
  readonly id: string;
  readonly ok: boolean;
  readonly reason: string;
}

/** A monitor over `nf`, polled every 50 ms until `stop`; counts the agent runs per device. */
function monitored(nf: NodeFencing) {
  const changes: Change[] = [];
  const runs = new Map<string, number>();
  const running = new Set<string>();
  const m = new FenceDeviceMonitor({
    run: async (id, timeoutMs) => {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      running.add(id);
      try {
        return await nf.monitor(id, timeoutMs);
      } finally {
        running.delete(id);
      }
    },
    busy: (id) => nf.busy(id),
    known: () => undefined,
    changed: (id, r: MonitorResult) => changes.push({ id, ok: r.ok, reason: r.reason }),
    monoMs: () => performance.now(),
  });
  m.configure(nf.monitorSpecs);
  const timer = setInterval(() => m.poll(), 50);
  return {
    m,
    changes,
    runs: (id: string) => runs.get(id) ?? 0,
    running,
    stop: () => {
      clearInterval(timer);
      m.stop();
    },
  };
}

const req = needs('cmd:fence_dummy');

describe('FenceDeviceMonitor scheduling', () => {
  it('waits min(interval, startDelayMs) once started, runs one monitor per device, ignores results after stop, and compares with the recorded state', async () => {
    let now = 0;
    const pending: { id: string; resolve: (r: MonitorResult) => void }[] = [];
    const changes: string[] = [];
    const known = new Map<string, MonitorResult>([['b', { ok: false, reason: 'old failure' }]]);
    const m = new FenceDeviceMonitor({
      run: (id) => new Promise((resolve) => pending.push({ id, resolve })),
      busy: () => false,
      known: (id) => known.get(id),
      changed: (id, r, before) => changes.push(`${id} ${before.ok}->${r.ok}`),
      monoMs: () => now,
      startDelayMs: 5000,
    });
    m.configure([
      { id: 'a', intervalMs: 60_000 },
      { id: 'b', intervalMs: 1000, timeoutMs: 500 },
      { id: 'off', intervalMs: 0 },
    ]);
    assert.deepEqual(m.monitored, ['a', 'b']);
    m.poll();
    assert.equal(pending.length, 0, 'nothing at once when monitoring starts');
    now = 1000;
    m.poll();
    m.poll();
    assert.deepEqual(
      pending.map((p) => p.id),
      ['b'],
      'b after its interval, once however often polled',
    );
    now = 5000;
    m.poll();
    assert.deepEqual(
      pending.map((p) => p.id),
      ['b', 'a'],
      'a after startDelayMs',
    );
    // b's recorded state is failed: an ok result is a change; a second ok is not.
    pending.shift()!.resolve({ ok: true, reason: '' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(changes, ['b false->true']);
    now = 6000;
    m.poll();
    assert.equal(pending.at(-1)?.id, 'b');
    pending.pop()!.resolve({ ok: true, reason: '' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(changes, ['b false->true']);
    // Stepping down: a's monitor still running ends ignored, and is not started twice.
    m.stop();
    m.poll(); // DC again
    now = 20_000;
    m.poll();
    assert.deepEqual(
      pending.map((p) => p.id),
      ['a', 'b'],
      'a still runs: not started again; b is due',
    );
    pending.shift()!.resolve({ ok: false, reason: 'late' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(changes, ['b false->true'], "the previous term's result is ignored");
  });
});

describe('fence device monitors (real agents)', req, () => {
  it('reports each device once when its monitor fails and once when it recovers', async () => {
    await using dir = await tempDir('fence-monitor');
    const statusFile = join(dir.path, 'dummy.status');
    const stateDir = join(dir.path, 'vigil-state');
    await mkdir(stateDir);
    const cfg = parseClusterConfig(
      config(`    - { id: dummy, agent: fence_dummy, params: { status_file: "${statusFile}", pcmk_host_list: a }, monitorIntervalMs: 100, timeoutMs: 10000 }
    - { id: vigil, agent: fence_vigil, params: { state_dir: "${stateDir}", pcmk_host_list: b }, monitorIntervalMs: 100 }
    - { id: never, agent: fence_dummy, params: { pcmk_host_list: c }, monitorIntervalMs: 0 }
`),
    );
    const nf = new NodeFencing(cfg, { runner: new NodeProcessRunner(), log: () => undefined });
    assert.deepEqual(
      nf.monitorSpecs.map((s) => [s.id, s.intervalMs, s.timeoutMs]),
      [
        ['dummy', 100, 10_000],
        ['vigil', 100, 20_000],
        ['never', 0, 20_000],
      ],
    );
    assert.equal(nf.devices.find((d) => d.id === 'never')?.monitorIntervalMs, undefined);
    const t = monitored(nf);
    try {
      // Healthy devices: several monitors, nothing reported (unknown counts as ok).
      await waitFor(() => (t.runs('dummy') >= 3 && t.runs('vigil') >= 3) || undefined, {
        timeoutMs: 30_000,
        what: 'three monitors of each device',
      });
      assert.equal(t.changes.length, 0, JSON.stringify(t.changes));
      assert.equal(t.runs('never'), 0, 'an interval of 0 is not monitored');
      await writeFile(statusFile, 'on\n');
      await rm(stateDir, { recursive: true });
      await waitFor(() => t.changes.length >= 2 || undefined, {
        timeoutMs: 30_000,
        what: 'both failures',
      });
      const failedRuns = t.runs('dummy');
      await waitFor(() => t.runs('dummy') >= failedRuns + 3 || undefined, {
        timeoutMs: 30_000,
        what: 'more monitors of the failed device',
      });
      assert.deepEqual(
        t.changes.map((c) => [c.id, c.ok]).sort(),
        [
          ['dummy', false],
          ['vigil', false],
        ],
        'one report per failed device, however many monitors fail',
      );
      assert.match(
        t.changes.find((c) => c.id === 'vigil')!.reason,
        /state directory .* does not exist/,
      );
      assert.notEqual(t.changes.find((c) => c.id === 'dummy')!.reason, '');
      await rm(statusFile);
      await mkdir(stateDir);
      await waitFor(() => t.changes.length >= 4 || undefined, {
        timeoutMs: 30_000,
        what: 'both recoveries',
      });
      assert.deepEqual(
        t.changes
          .slice(2)
          .map((c) => [c.id, c.ok])
          .sort(),
        [
          ['dummy', true],
          ['vigil', true],
        ],
      );
    } finally {
      t.stop();
    }
  });

  it('runs no monitor while fencing; a hanging monitor delays no fence (another device goes at once, its own device preempts it) and times out as a failure', async () => {
    await using dir = await tempDir('fence-monitor');
    // A real agent process speaking the stdin protocol whose monitor hangs; other actions succeed.
    const agents = join(dir.path, 'agents');
    await mkdir(agents);
    await writeFile(
      join(agents, 'fence_hang'),
      '#!/bin/sh\nwhile read -r l; do case "$l" in action=monitor) exec sleep 120 ;; esac; done\nexit 0\n',
    );
    await chmod(join(agents, 'fence_hang'), 0o755);
    const cfg = parseClusterConfig(
      config(`    - { id: hang, agent: fence_hang, params: { pcmk_host_list: a, pcmk_host_argument: none }, monitorIntervalMs: 100, timeoutMs: 90000 }
    - { id: hang2, agent: fence_hang, params: { pcmk_host_list: b, pcmk_host_argument: none }, monitorIntervalMs: 100, timeoutMs: 3000 }
    - { id: dummy, agent: fence_dummy, params: { status_file: "${join(dir.path, 'st')}", random_sleep_range: "1", pcmk_host_list: c, vigil_verify: none }, monitorIntervalMs: 1000 }
`),
    );
    const nf = new NodeFencing(cfg, {
      runner: new NodeProcessRunner(),
      agentDirs: [agents],
      log: () => undefined,
    });
    const t = monitored(nf);
    try {
      await waitFor(() => (t.running.has('hang') && t.running.has('hang2')) || undefined, {
        timeoutMs: 30_000,
        what: 'the hanging monitors to start',
      });
      // Fencing c goes through `dummy` while `hang`'s monitor still runs.
      const fenced = await nf.fence('c', 'reboot');
      assert.equal(fenced.ok, true, fenced.reason);
      assert.ok(t.running.has('hang'), 'the fence did not wait for the hanging monitor');
      // Fencing a goes through `hang` itself: its monitor (90 s timeout) gives way at once.
      const viaHang = await Promise.race([
        nf.fence('a', 'reboot'),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000).unref()),
      ]);
      assert.ok(viaHang !== undefined, "the fence waited for the device's monitor");
      assert.equal(viaHang.ok, true, viaHang.reason);
      assert.deepEqual(
        viaHang.attempts.map((a) => a.device),
        ['hang'],
      );
      assert.equal(
        t.changes.filter((c) => c.id === 'hang').length,
        0,
        'a preempted monitor is no verdict',
      );
      // `hang2`'s monitor is killed at its 3 s timeout and counts as a failure.
      await waitFor(() => t.changes.find((c) => c.id === 'hang2'), {
        timeoutMs: 30_000,
        what: 'the hanging monitor to time out',
      });
      assert.equal(t.changes.find((c) => c.id === 'hang2')?.ok, false);
      assert.match(t.changes.find((c) => c.id === 'hang2')!.reason, /timed out after 3000 ms/);
      // While a fencing request runs, no monitor starts: `dummy`'s next one falls due (1 s after
      // its last ended) during this fence, which takes at least 1 s (random_sleep_range=1).
      await waitFor(() => !t.running.has('dummy') || undefined, {
        timeoutMs: 30_000,
        what: "dummy's monitor to end",
      });
      const before = t.runs('dummy');
      const p = nf.fence('c', 'reboot');
      assert.equal(nf.busy('dummy'), true);
      assert.equal((await p).ok, true);
      assert.equal(t.runs('dummy'), before, 'no monitor started during the fencing');
      await waitFor(() => t.runs('dummy') > before || undefined, {
        timeoutMs: 30_000,
        what: 'the monitor after the fencing',
      });
    } finally {
      t.stop();
      // Any action preempts the monitors still hanging, so nothing outlives the test.
      for (const id of ['hang', 'hang2'])
        await nf.fencer.runDeviceAction(id, 'list').catch(() => undefined);
    }
  });
});
