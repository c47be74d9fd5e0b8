import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EXEC_RC,
  Executor,
  OCF_RC,
  rcName,
  runAgentAction,
  NodeProcessRunner,
  systemdRunning,
  type ExecutorEvent,
} from '@vigil/executor';
import { isAlive, needs, tempDir, waitFor } from '@vigil/testkit';
import { ENV_DUMP_AGENT, parseEnvDump, testHost, writeAgent } from './helpers.js';

const T = 20_000;

describe(
  'executor: single actions',
  { ...needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy') },
  () => {
    it('runs ocf:heartbeat:Dummy through probe, start, monitor, stop, idempotently', async () => {
      await using dir = await tempDir('exec-dummy');
      const host = await testHost(dir.path);
      const ex = new Executor({ host });
      const res = { id: 'd1', agent: 'ocf:heartbeat:Dummy' };
      const seq: [string, number][] = [];
      const act = async (action: string): Promise<void> => {
        const r = await ex.execute(res, { action, timeoutMs: T });
        seq.push([action, r.rc]);
        assert.equal(r.rcName, rcName(r.rc));
        assert.equal(r.resourceId, 'd1');
        assert.ok(r.durationMs >= 0);
      };
      await act('monitor'); // probe
      await act('start');
      assert.ok(existsSync(join(host.rscTmpDir, 'Dummy-d1.state')), 'state file in HA_RSCTMP');
      await act('monitor');
      await act('start');
      await act('validate-all');
      await act('stop');
      await act('stop');
      await act('monitor');
      assert.deepEqual(seq, [
        ['monitor', OCF_RC.NOT_RUNNING],
        ['start', OCF_RC.SUCCESS],
        ['monitor', OCF_RC.SUCCESS],
        ['start', OCF_RC.SUCCESS],
        ['validate-all', OCF_RC.SUCCESS],
        ['stop', OCF_RC.SUCCESS],
        ['stop', OCF_RC.SUCCESS],
        ['monitor', OCF_RC.NOT_RUNNING],
      ]);
      await ex.close();
    });

    it('builds the OCF environment from scratch, with params, meta, interval and timeout in ms', async () => {
      await using dir = await tempDir('exec-env');
      const host = await testHost(dir.path);
      await writeAgent(host, 'EnvDump', ENV_DUMP_AGENT);
      process.env.VIGIL_TEST_LEAK = 'leaked';
      const dump = join(dir.path, 'env');
      const r = await runAgentAction(
        new NodeProcessRunner(),
        host,
        {
          id: 'web:2',
          agent: 'ocf:vigiltest:EnvDump',
          params: { dump, some_param: 'a b "c"' },
          meta: { 'target-role': 'Started', 'promoted-max': '1' },
        },
        { action: 'monitor', intervalMs: 10_000, timeoutMs: 7_000, checkLevel: 10 },
      );
      delete process.env.VIGIL_TEST_LEAK;
      assert.equal(r.rc, 0);
      const env = parseEnvDump(await readFile(`${dump}.monitor`, 'utf8'));
      const expect: Record<string, string> = {
        OCF_ROOT: host.ocfRoot,
        OCF_RA_VERSION_MAJOR: '1',
        OCF_RA_VERSION_MINOR: '1',
        OCF_RESOURCE_INSTANCE: 'web:2',
        OCF_RESOURCE_TYPE: 'EnvDump',
        OCF_RESOURCE_PROVIDER: 'vigiltest',
        OCF_RESKEY_some_param: 'a b "c"',
        OCF_RESKEY_CRM_meta_target_role: 'Started',
        OCF_RESKEY_CRM_meta_promoted_max: '1',
        OCF_RESKEY_CRM_meta_master_max: '1',
        OCF_RESKEY_CRM_meta_clone: '2',
        OCF_RESKEY_CRM_meta_interval: '10000',
        OCF_RESKEY_CRM_meta_timeout: '7000',
        OCF_RESKEY_CRM_meta_name: 'monitor',
        OCF_RESKEY_CRM_meta_on_node: 'node1',
        OCF_RESKEY_crm_feature_set: '3.16.1',
        OCF_EXIT_REASON_PREFIX: 'ocf-exit-reason:',
        OCF_CHECK_LEVEL: '10',
        OCF_OUTPUT_FORMAT: 'text',
        HA_debug: '0',
        HA_RSCTMP: host.rscTmpDir,
        HA_VARRUN: host.varRunDir,
        HA_SBIN_DIR: host.sbinDir,
      };
      for (const [k, v] of Object.entries(expect)) assert.equal(env.get(k), v, k);
      assert.equal(env.get('VIGIL_TEST_LEAK'), undefined, 'nothing is inherited');
      assert.ok(env.get('PATH')!.startsWith(`${host.sbinDir}:`), 'vigil commands first on PATH');
    });

    it('maps every OCF rc to its name and extracts the exit reason from stderr', async () => {
      await using dir = await tempDir('exec-rc');
      const host = await testHost(dir.path);
      await writeAgent(host, 'EnvDump', ENV_DUMP_AGENT);
      const runner = new NodeProcessRunner();
      const seen: string[] = [];
      for (const rc of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191, 42]) {
        const r = await runAgentAction(
          runner,
          host,
          {
            id: 'x',
            agent: 'ocf:vigiltest:EnvDump',
            params: { dump: join(dir.path, 'e'), rc: String(rc), reason: `reason ${rc}` },
          },
          { action: 'start', timeoutMs: T },
        );
        assert.equal(r.rc, rc);
        assert.equal(r.exitReason, `reason ${rc}`);
        assert.match(r.stderr, /some log line/);
        seen.push(r.rcName);
      }
      assert.deepEqual(seen, [
        'SUCCESS',
        'ERR_GENERIC',
        'ERR_ARGS',
        'ERR_UNIMPLEMENTED',
        'ERR_PERM',
        'ERR_INSTALLED',
        'ERR_CONFIGURED',
        'NOT_RUNNING',
        'RUNNING_PROMOTED',
        'FAILED_PROMOTED',
        'DEGRADED',
        'DEGRADED_PROMOTED',
        'UNKNOWN_42',
      ]);
    });

    it('reports a missing agent as ERR_INSTALLED and rejects malformed specs', async () => {
      await using dir = await tempDir('exec-missing');
      const host = await testHost(dir.path);
      const ex = new Executor({ host });
      const r = await ex.execute(
        { id: 'n', agent: 'ocf:heartbeat:NoSuchAgent' },
        { action: 'start', timeoutMs: T },
      );
      assert.equal(r.rc, OCF_RC.ERR_INSTALLED);
      assert.match(r.exitReason ?? '', /not installed/);
      await assert.rejects(
        ex.execute({ id: 'n', agent: 'ocf:Dummy' }, { action: 'start', timeoutMs: T }),
        {
          code: 'VGL_E_INVALID_INPUT',
        },
      );
      await assert.rejects(
        ex.execute(
          { id: 'n', agent: 'ocf:heartbeat:Dummy' },
          { action: 'start; rm', timeoutMs: T },
        ),
        { code: 'VGL_E_INVALID_INPUT' },
      );
      await assert.rejects(
        ex.execute(
          { id: 'n', agent: 'ocf:heartbeat:Dummy', params: { 'a=b': 'x' } },
          { action: 'start', timeoutMs: T },
        ),
        { code: 'VGL_E_INVALID_INPUT' },
      );
      await ex.close();
    });

    it('kills a slow agent that ignores SIGTERM at its timeout, with its children', async () => {
      await using dir = await tempDir('exec-slow');
      const host = await testHost(dir.path);
      const pidFile = join(dir.path, 'child.pid');
      await writeAgent(
        host,
        'Slow',
        `#!/bin/sh\ntrap '' TERM\nsleep 600 &\necho $! > ${pidFile}\nwait\nexit 0\n`,
      );
      const ex = new Executor({ host });
      const r = await ex.execute(
        { id: 's', agent: 'ocf:vigiltest:Slow' },
        { action: 'start', timeoutMs: 300 },
      );
      assert.equal(r.rc, EXEC_RC.TIMEOUT);
      assert.equal(r.rcName, 'TIMEOUT');
      assert.equal(r.timedOut, true);
      assert.match(r.exitReason ?? '', /300 ms/);
      const child = Number((await readFile(pidFile, 'utf8')).trim());
      await waitFor(() => !isAlive(child) || zombie(child), {
        timeoutMs: 10_000,
        what: 'the child to die',
      });
      await ex.close();
    });

    it('kills ocf:pacemaker:Dummy (traps SIGTERM on purpose) sleeping in start at its timeout', async () => {
      await using dir = await tempDir('exec-pdummy');
      const host = await testHost(dir.path);
      const ex = new Executor({ host });
      const res = { id: 'pd', agent: 'ocf:pacemaker:Dummy', params: { op_sleep: '60' } };
      const r = await ex.execute(res, { action: 'start', timeoutMs: 1000 });
      assert.equal(r.rc, EXEC_RC.TIMEOUT);
      assert.equal(r.rawExitCode, null);
      // Every process of that action (the agent and its sleep) is gone, found by its environment.
      await waitFor(() => processesWithEnv(`HA_RSCTMP=${host.rscTmpDir}`).length === 0, {
        timeoutMs: 10_000,
        what: 'the agent and its children to be gone',
      });
      await ex.close();
    });

    it('maps LSB status codes and runs init scripts with start/stop', async () => {
      await using dir = await tempDir('exec-lsb');
      const host = await testHost(dir.path);
      await mkdir(host.initDir, { recursive: true });
      const flag = join(dir.path, 'running');
      const script = join(host.initDir, 'vgltest');
      await writeFile(
        script,
        `#!/bin/sh\ncase "$1" in\nstart) touch ${flag};;\nstop) rm -f ${flag};;\nstatus) [ -f ${flag} ] && exit 0; [ -f ${flag}.dead ] && exit 1; [ -f ${flag}.unknown ] && exit 4; exit 3;;\n*) exit 3;;\nesac\n`,
      );
      await chmod(script, 0o755);
      const ex = new Executor({ host });
      const res = { id: 'l', agent: 'lsb:vgltest' };
      const rcs: number[] = [];
      for (const a of ['monitor', 'start', 'monitor', 'stop', 'monitor']) {
        rcs.push((await ex.execute(res, { action: a, timeoutMs: T })).rc);
      }
      assert.deepEqual(rcs, [7, 0, 0, 0, 7]);
      await writeFile(`${flag}.dead`, '');
      const dead = await ex.execute(res, { action: 'monitor', timeoutMs: T });
      assert.deepEqual([dead.rawExitCode, dead.rc], [1, OCF_RC.NOT_RUNNING]);
      await rm(`${flag}.dead`);
      await writeFile(`${flag}.unknown`, '');
      const unk = await ex.execute(res, { action: 'monitor', timeoutMs: T });
      assert.deepEqual([unk.rawExitCode, unk.rc], [4, OCF_RC.ERR_GENERIC]);
      // service: resolves to lsb where there is no systemd
      if (!systemdRunning()) {
        const s = await ex.execute(
          { id: 'l', agent: 'service:vgltest' },
          { action: 'monitor', timeoutMs: T },
        );
        assert.equal(s.rc, OCF_RC.ERR_GENERIC);
        await assert.rejects(
          ex.execute({ id: 's', agent: 'systemd:vgltest' }, { action: 'start', timeoutMs: T }),
          { code: 'VGL_E_UNSUPPORTED' },
        );
      }
      await ex.close();
    });
  },
);

describe('executor: queueing, recurring monitors, probes, cancel', () => {
  it('runs one operation per resource at a time, in order, and bounds the queue', async () => {
    await using dir = await tempDir('exec-queue');
    const host = await testHost(dir.path);
    const log = join(dir.path, 'log');
    await writeAgent(
      host,
      'Seq',
      `#!/bin/sh\necho "begin $OCF_RESOURCE_INSTANCE $1" >> ${log}\nsleep 0.05\necho "end $OCF_RESOURCE_INSTANCE $1" >> ${log}\nexit 0\n`,
    );
    const ex = new Executor({ host, maxQueuedPerResource: 3 });
    const res = { id: 'q', agent: 'ocf:vigiltest:Seq' };
    const ops = ['start', 'monitor', 'reload', 'stop'].map((action) =>
      ex.execute(res, { action, timeoutMs: T }),
    );
    await assert.rejects(ex.execute(res, { action: 'monitor', timeoutMs: T }), {
      code: 'VGL_E_LIMIT',
    });
    const results = await Promise.all(ops);
    assert.deepEqual(
      results.map((r) => r.rc),
      [0, 0, 0, 0],
    );
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.deepEqual(lines, [
      'begin q start',
      'end q start',
      'begin q monitor',
      'end q monitor',
      'begin q reload',
      'end q reload',
      'begin q stop',
      'end q stop',
    ]);
    await ex.close();
  });

  it('bounds the actions running at once across resources', async () => {
    await using dir = await tempDir('exec-conc');
    const host = await testHost(dir.path);
    const log = join(dir.path, 'log');
    await writeAgent(
      host,
      'Seq',
      `#!/bin/sh\necho "+" >> ${log}\nsleep 0.05\necho "-" >> ${log}\nexit 0\n`,
    );
    const ex = new Executor({ host, maxConcurrentActions: 2 });
    const all = Array.from({ length: 6 }, (_, i) =>
      ex.execute({ id: `r${i}`, agent: 'ocf:vigiltest:Seq' }, { action: 'start', timeoutMs: T }),
    );
    assert.deepEqual(
      (await Promise.all(all)).map((r) => r.rc),
      [0, 0, 0, 0, 0, 0],
    );
    let running = 0;
    let peak = 0;
    for (const line of (await readFile(log, 'utf8')).trim().split('\n')) {
      running += line === '+' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    assert.equal(running, 0);
    assert.ok(peak <= 2, `peak ${peak} actions at once`);
    assert.equal(ex.stats().resources, 0, 'idle lanes are dropped');
    await ex.close();
  });

  it("reports a recurring monitor's first result, every change and every failure; cancel stops it", async () => {
    await using dir = await tempDir('exec-recurring');
    const host = await testHost(dir.path);
    const state = join(dir.path, 'up');
    const count = join(dir.path, 'count');
    await writeAgent(
      host,
      'Flip',
      `#!/bin/sh\n[ "$OCF_RESKEY_CRM_meta_interval" = 50 ] || exit 2\necho x >> ${count}\n[ -f ${state} ] && exit 0\nexit 7\n`,
    );
    await writeFile(state, '');
    const ex = new Executor({ host });
    const events: ExecutorEvent[] = [];
    ex.onEvent((e) => events.push(e));
    const res = { id: 'f', agent: 'ocf:vigiltest:Flip' };
    ex.startRecurring(res, { action: 'monitor', intervalMs: 50, timeoutMs: T });
    assert.throws(
      () => ex.startRecurring(res, { action: 'monitor', intervalMs: 50, timeoutMs: T }),
      {
        code: 'VGL_E_EXISTS',
      },
    );
    const results = (): { rc: number; changed: boolean }[] =>
      events.flatMap((e) => (e.kind === 'result' ? [{ rc: e.result.rc, changed: e.changed }] : []));
    await waitFor(() => results().length >= 1, { timeoutMs: T, what: 'the first monitor result' });
    // Several healthy runs must pass silently.
    await waitFor(() => readFileSync(count, 'utf8').split('\n').length > 4, {
      timeoutMs: T,
      what: 'more runs',
    });
    assert.deepEqual(results(), [{ rc: 0, changed: true }]);
    await rm(state);
    await waitFor(() => results().length >= 3, { timeoutMs: T, what: 'failures to be reported' });
    assert.deepEqual(results().slice(0, 3), [
      { rc: 0, changed: true },
      { rc: 7, changed: true },
      { rc: 7, changed: false },
    ]);
    assert.equal(ex.cancel('f', 'monitor', 50), true);
    assert.equal(ex.cancel('f', 'monitor', 50), false);
    const n = results().length;
    const runs = readFileSync(count, 'utf8').split('\n').length;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(results().length <= n + 1, 'at most the in-flight run after cancel');
    assert.ok(
      readFileSync(count, 'utf8').split('\n').length <= runs + 1,
      'no new runs after cancel',
    );
    assert.ok(events.some((e) => e.kind === 'cancelled' && e.resourceId === 'f'));
    await ex.close();
  });

  it('a probe is a monitor with interval 0', async () => {
    await using dir = await tempDir('exec-probe');
    const host = await testHost(dir.path);
    await writeAgent(host, 'EnvDump', ENV_DUMP_AGENT);
    const dump = join(dir.path, 'env');
    const ex = new Executor({ host });
    const r = await ex.probe(
      { id: 'p', agent: 'ocf:vigiltest:EnvDump', params: { dump, rc: '7' } },
      T,
    );
    assert.equal(r.rc, OCF_RC.NOT_RUNNING);
    const env = parseEnvDump(await readFile(`${dump}.monitor`, 'utf8'));
    assert.equal(env.get('OCF_RESKEY_CRM_meta_interval'), '0');
    await ex.close();
  });

  it('close() kills running actions and rejects queued ones', async () => {
    await using dir = await tempDir('exec-close');
    const host = await testHost(dir.path);
    await writeAgent(host, 'Sleepy', '#!/bin/sh\nsleep 30\n');
    const ex = new Executor({ host });
    const res = { id: 'z', agent: 'ocf:vigiltest:Sleepy' };
    const first = ex.execute(res, { action: 'start', timeoutMs: 60_000 });
    const second = ex.execute(res, { action: 'stop', timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 100));
    await ex.close();
    assert.equal((await first).rc, EXEC_RC.CANCELLED);
    assert.equal(((await second) as { code?: string } | undefined)?.code, 'VGL_E_CANCELLED');
  });
});

/** Live (non-zombie) processes whose environment contains `entry` (needs root for others'). */
function processesWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (env.includes(entry) && !zombie(Number(d))) pids.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function zombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}
