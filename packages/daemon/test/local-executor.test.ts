import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import { NodeProcessRunner } from '@vigil/executor';
import type { PrimitiveDef } from '@vigil/controller';
import { needs, tempDir, waitFor } from '@vigil/testkit';
import {
  LocalExecutor,
  paramsDigest,
  prepareOcfRoot,
  type LocalOpResult,
} from '../src/node/local-executor.js';
import { actionFromMessage, actionToMessage } from '../src/node/action-message.js';

/**
 * The node side with real agents: heartbeat's Dummy, and a test agent (`ocf:vt:Env`) that dumps
 * its environment, laid over the system OCF root the way vigild does it (VIGIL_OCF_PATH).
 */
const req = needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy');

const ENV_AGENT = `#!/bin/sh
case "$1" in
  meta-data) echo '<resource-agent name="Env"/>'; exit 0 ;;
esac
env > "$OCF_RESKEY_dump.$1"
[ "$1" = start ] && [ -n "$OCF_RESKEY_sleep" ] && sleep "$OCF_RESKEY_sleep"
[ -n "$OCF_RESKEY_reason" ] && echo "ocf-exit-reason:$OCF_RESKEY_reason" >&2
exit \${OCF_RESKEY_rc:-0}
`;

function dummy(id: string, params: Record<string, string> = {}): PrimitiveDef {
  return {
    kind: 'primitive',
    id,
    class: 'ocf',
    provider: 'heartbeat',
    type: 'Dummy',
    params,
    meta: {},
    ops: [],
  };
}

async function setup(dir: string) {
  const extra = join(dir, 'agents');
  await mkdir(join(extra, 'vt'), { recursive: true });
  await writeFile(join(extra, 'vt', 'Env'), ENV_AGENT);
  await chmod(join(extra, 'vt', 'Env'), 0o755);
  const rscTmp = join(dir, 'rsctmp');
  await mkdir(rscTmp, { recursive: true });
  const failures: LocalOpResult[] = [];
  const lines: string[] = [];
  const lrm = new LocalExecutor({
    node: 'n1',
    stateDir: join(dir, 'state'),
    rscTmpDir: rscTmp,
    ocfRoot: prepareOcfRoot(join(dir, 'ocf'), '/usr/lib/ocf', [extra]),
    runner: new NodeProcessRunner(),
    log: (l) => lines.push(l),
    onMonitorFailure: (r) => failures.push(r),
    wallMs: () => Date.now(),
  });
  return { lrm, rscTmp, failures, lines };
}

describe('local executor (node side, real agents)', req, () => {
  it('a stop runs with the parameters the resource was started with, not the new ones', async () => {
    await using dir = await tempDir('lrm-stop');
    const { lrm } = await setup(dir.path);
    try {
      const old = join(dir.path, 'old.state');
      const now = join(dir.path, 'new.state');
      const start = await lrm.execute(1, 's1', {
        primitive: dummy('d', { state: old }),
        task: 'start',
      });
      assert.equal(start.rc, 0);
      assert.ok(existsSync(old), 'the agent created its state file');
      // The definition changed meanwhile (a date passed, the parameter was edited): the stop the
      // DC sends carries the new value, but the agent must stop what it started.
      const stop = await lrm.execute(1, 's2', {
        primitive: dummy('d', { state: now }),
        task: 'stop',
      });
      assert.equal(stop.rc, 0);
      assert.ok(!existsSync(old), 'the started instance was stopped');
      assert.equal(stop.opDigest, paramsDigest({ state: old }));
      // The next start runs with the new definition, and so does its stop.
      await lrm.execute(1, 's3', { primitive: dummy('d', { state: now }), task: 'start' });
      assert.ok(existsSync(now));
      await lrm.execute(1, 's4', { primitive: dummy('d', { state: old }), task: 'stop' });
      assert.ok(!existsSync(now));
    } finally {
      await lrm.close();
    }
  });

  it('runs start, probe and stop with the real Dummy and records rc, call id and op digest', async () => {
    await using dir = await tempDir('lrm');
    const { lrm, rscTmp } = await setup(dir.path);
    try {
      const def = dummy('d1', { fake: 'x' });
      const probe = await lrm.execute(1, 'k1', { primitive: def, task: 'monitor', intervalMs: 0 });
      assert.equal(probe.rc, 7);
      assert.equal(probe.ok, true, 'a probe succeeds whatever it finds');
      assert.equal(probe.rec.op, 'probe');
      assert.equal(probe.rec.active, false);
      const start = await lrm.execute(1, 'k2', {
        primitive: def,
        task: 'start',
        timeoutMs: 20_000,
      });
      assert.equal(start.rc, 0);
      assert.equal(start.ok, true);
      assert.ok(existsSync(join(rscTmp, 'Dummy-d1.state')), "the agent's own state file exists");
      assert.ok(start.callId > probe.callId, 'call ids increase');
      assert.match(start.opDigest, /^[0-9a-f]{32}$/);
      assert.equal(start.opDigest, paramsDigest({ fake: 'x' }));
      assert.deepEqual(lrm.activeResources(), ['d1']);
      const stop = await lrm.execute(1, 'k3', { primitive: def, task: 'stop' });
      assert.equal(stop.rc, 0);
      assert.equal(stop.rec.active, false);
      assert.ok(!existsSync(join(rscTmp, 'Dummy-d1.state')));
      assert.deepEqual(lrm.activeResources(), []);
      // delete (no longer configured): the node forgets it, and a refresh with no definition of
      // it leaves it out; no agent runs.
      assert.deepEqual(Object.keys(lrm.table()), ['d1']);
      const del = await lrm.execute(1, 'k4', {
        primitive: { ...def, type: 'none', provider: 'vigil' },
        task: 'delete',
      });
      assert.equal(del.ok, true);
      assert.equal(del.rec.op, 'delete');
      assert.deepEqual(await lrm.refresh([], 5000), {});
    } finally {
      await lrm.close();
    }
  });

  it('refuses an action from an older term than the newest it has seen (fencing token)', async () => {
    await using dir = await tempDir('lrm');
    const { lrm, rscTmp } = await setup(dir.path);
    try {
      const def = dummy('t1');
      await lrm.execute(5, 'a', { primitive: def, task: 'start' });
      lrm.observeTerm(7);
      await assert.rejects(
        lrm.execute(6, 'b', { primitive: def, task: 'stop' }),
        (e: unknown) => isVigilError(e) && e.code === 'VGL_E_CONFLICT' && /term 6/.test(e.message),
      );
      // The deposed DC's stop did not run: the agent still has its state file.
      assert.ok(existsSync(join(rscTmp, 'Dummy-t1.state')));
      assert.equal(lrm.newestTerm, 7);
      const ok = await lrm.execute(7, 'c', { primitive: def, task: 'stop' });
      assert.equal(ok.rc, 0);
      assert.ok(!existsSync(join(rscTmp, 'Dummy-t1.state')));
    } finally {
      await lrm.close();
    }
  });

  it('answers a resent action (same key) with the first run, without running it again', async () => {
    await using dir = await tempDir('lrm');
    const { lrm } = await setup(dir.path);
    try {
      const def = dummy('dup');
      const a = await lrm.execute(1, 'same', { primitive: def, task: 'start' });
      const b = await lrm.execute(1, 'same', { primitive: def, task: 'start' });
      assert.equal(a.callId, b.callId);
      const c = await lrm.execute(1, 'other', { primitive: def, task: 'monitor' });
      assert.ok(c.callId > a.callId);
    } finally {
      await lrm.close();
    }
  });

  it('gives the agent the OCF environment with CRM_meta_* from the action, and its exit reason back', async () => {
    await using dir = await tempDir('lrm');
    const { lrm } = await setup(dir.path);
    try {
      const dump = join(dir.path, 'dump');
      const def: PrimitiveDef = {
        kind: 'primitive',
        id: 'env',
        class: 'ocf',
        provider: 'vt',
        type: 'Env',
        params: { dump, rc: '1', reason: 'disk on fire' },
        meta: { 'target-role': 'Started' },
        ops: [],
      };
      const r = await lrm.execute(3, 'e', {
        primitive: def,
        rsc: 'env:2',
        task: 'start',
        timeoutMs: 12_345,
        meta: { clone_max: '3', notify_type: 'pre' },
      });
      assert.equal(r.rc, 1);
      assert.equal(r.ok, false);
      assert.equal(r.exitReason, 'disk on fire');
      assert.equal(r.rsc, 'env:2');
      assert.equal(r.primitive, 'env');
      const env = new Map(
        (await readFile(`${dump}.start`, 'utf8'))
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      assert.equal(env.get('OCF_RESOURCE_INSTANCE'), 'env:2');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_timeout'), '12345');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_interval'), '0');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_clone'), '2');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_clone_max'), '3');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_notify_type'), 'pre');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_target_role'), 'Started');
      assert.equal(env.get('OCF_RESKEY_CRM_meta_on_node'), 'n1');
      // The agents find the system's shell library through the overlaid OCF root.
      assert.ok(existsSync(join(env.get('OCF_ROOT')!, 'lib', 'heartbeat', 'ocf-shellfuncs')));
    } finally {
      await lrm.close();
    }
  });

  it('kills an action at its timeout and records it as timed out', async () => {
    await using dir = await tempDir('lrm');
    const { lrm } = await setup(dir.path);
    try {
      const def: PrimitiveDef = {
        kind: 'primitive',
        id: 'slow',
        class: 'ocf',
        provider: 'vt',
        type: 'Env',
        params: { dump: join(dir.path, 'slow'), sleep: '60' },
        meta: {},
        ops: [],
      };
      const r = await lrm.execute(1, 's', { primitive: def, task: 'start', timeoutMs: 300 });
      assert.equal(r.rcName, 'TIMEOUT');
      assert.equal(r.rc, 1, 'the scheduler sees a generic error');
      assert.equal(r.opStatus, 2);
      assert.equal(r.ok, false);
      assert.match(r.exitReason, /did not finish within 300 ms/);
    } finally {
      await lrm.close();
    }
  });

  it('runs a recurring monitor, reports its failure once, and stop cancels it', async () => {
    await using dir = await tempDir('lrm');
    const { lrm, rscTmp, failures } = await setup(dir.path);
    try {
      const def = dummy('m1');
      await lrm.execute(1, 's', { primitive: def, task: 'start' });
      const first = await lrm.execute(1, 'm', {
        primitive: def,
        task: 'monitor',
        intervalMs: 100,
        timeoutMs: 20_000,
      });
      assert.equal(first.rc, 0);
      assert.equal(first.rec.op, 'monitor_100');
      assert.deepEqual(lrm.monitors(), ['m1@100']);
      // The resource dies behind vigil's back: the agent's state file goes.
      await rm(join(rscTmp, 'Dummy-m1.state'));
      const f = await waitFor(() => failures[0], {
        timeoutMs: 30_000,
        what: 'the monitor failure',
      });
      assert.equal(f.rsc, 'm1');
      assert.equal(f.rc, 7);
      assert.equal(f.rec.active, false);
      assert.equal(f.rec.failed, true);
      assert.equal(lrm.table().m1?.op, 'monitor_100');
      // Still not running at the next intervals: no second report (the change was reported).
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(failures.length, 1);
      await lrm.execute(1, 'stop', { primitive: def, task: 'stop' });
      assert.deepEqual(lrm.monitors(), []);
    } finally {
      await lrm.close();
    }
  });

  it('stops every active resource, newest first, when asked (quorum loss)', async () => {
    await using dir = await tempDir('lrm');
    const { lrm, lines } = await setup(dir.path);
    try {
      await lrm.execute(1, 'a', { primitive: dummy('first'), task: 'start' });
      await lrm.execute(1, 'b', { primitive: dummy('second'), task: 'start' });
      await lrm.stopAll(20_000, 'quorum lost');
      assert.deepEqual(lrm.activeResources(), []);
      const stops = lines
        .filter((l) => /^stop (first|second):/.test(l))
        .map((l) => l.split(/[ :]/)[1]);
      assert.deepEqual(stops, ['second', 'first']);
    } finally {
      await lrm.close();
    }
  });
});

describe('actions on the wire', () => {
  it('round-trips the graph fields and rejects malformed actions naming the field', () => {
    const a = {
      primitive: dummy('w'),
      rsc: 'w:1',
      task: 'monitor',
      intervalMs: 10_000,
      role: 'Promoted' as const,
      timeoutMs: 20_000,
      meta: { clone_max: '2' },
    };
    const wire = JSON.parse(JSON.stringify(actionToMessage(a))) as Record<string, unknown>;
    assert.deepEqual(actionFromMessage(wire), a);
    const bad = (m: Record<string, unknown>, re: RegExp): void =>
      assert.throws(
        () => actionFromMessage({ ...wire, ...m }),
        (e: unknown) => isVigilError(e) && e.code === 'VGL_E_INVALID_INPUT' && re.test(e.message),
      );
    bad({ task: 'rm -rf' }, /task/);
    bad({ primitive: { id: 'x' } }, /primitive/);
    bad({ intervalMs: -1 }, /intervalMs/);
    bad({ timeoutMs: 0 }, /timeoutMs/);
    bad({ role: 'Master' }, /role/);
    bad({ meta: { a: 1 } }, /meta/);
    bad({ rsc: '../x' }, /rsc/);
  });
});

describe('op digest', () => {
  it('depends on every parameter value and not on their order', () => {
    const d = paramsDigest({ a: '1', b: '2' });
    assert.equal(d, paramsDigest({ b: '2', a: '1' }));
    assert.notEqual(d, paramsDigest({ a: '1', b: '3' }));
    assert.notEqual(d, paramsDigest({ a: '1' }));
    assert.notEqual(paramsDigest({}), paramsDigest({ a: '' }));
  });
});
