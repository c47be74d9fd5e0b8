import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '@vigil/base';
import { EXEC_RC, Executor, OCF_RC, agentHostIn, type ExecutorEvent } from '@vigil/executor';
import { SimulatedOcfAgent, SimulatedProcessRunner } from '@vigil/executor/testing';

/** A virtual clock for the test: time moves only when the test advances it. */
class ManualClock implements Clock {
  private now = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  wallMs(): number {
    return 1_700_000_000_000 + this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = { at: this.now + delayMs, seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return { cancel: () => (t.live = false) };
  }
  sleep(delayMs: number): Promise<void> {
    return new Promise((r) => this.setTimer(delayMs, r));
  }
  /** Advances virtual time by `ms`, firing due timers in order and letting promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((t) => t.live && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.now = due.at;
      due.fn();
    }
    this.now = end;
    this.timers = this.timers.filter((t) => t.live);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const DUMMY = '/usr/lib/ocf/resource.d/vigilsim/Thing';

function setup(): {
  clock: ManualClock;
  runner: SimulatedProcessRunner;
  agent: SimulatedOcfAgent;
  ex: Executor;
} {
  const clock = new ManualClock();
  const runner = new SimulatedProcessRunner(clock);
  const agent = new SimulatedOcfAgent('Thing', { start: 120, monitor: 7 });
  runner.script(DUMMY, agent.behaviour);
  const host = agentHostIn('/nonexistent/sim', 'sim1');
  const ex = new Executor({
    host,
    runner,
    clock,
    isInstalled: (p) => runner.isInstalled(p),
    createDirs: false,
  });
  return { clock, runner, agent, ex };
}

describe('SimulatedProcessRunner', () => {
  it('runs scripted agents in virtual time, through the real executor', async () => {
    const { clock, runner, agent, ex } = setup();
    const res = { id: 'r:1', agent: 'ocf:vigilsim:Thing' };
    const started = ex.execute(res, { action: 'start', timeoutMs: 1000 });
    await clock.advance(119);
    assert.equal(runner.inFlight(), 1, 'still starting at 119 ms of virtual time');
    await clock.advance(1);
    const r = await started;
    assert.equal(r.rc, OCF_RC.SUCCESS);
    assert.equal(r.durationMs, 120);
    assert.equal(agent.role('r:1'), 'started');
    assert.equal(runner.calls()[0]!.env.OCF_RESKEY_CRM_meta_timeout, '1000');
    const mon = ex.execute(res, { action: 'monitor', timeoutMs: 1000 });
    await clock.advance(7);
    assert.equal((await mon).rc, OCF_RC.SUCCESS);
    const md = ex.metadata('ocf:vigilsim:Thing');
    await clock.advance(10);
    assert.equal((await md).name, 'Thing');
    await ex.close();
  });

  it('enforces the timeout on a hanging agent and reports faults', async () => {
    const { clock, agent, ex } = setup();
    const res = { id: 'h', agent: 'ocf:vigilsim:Thing' };
    agent.injectFault('h', 'start', { exitCode: 0, durationMs: 0, hang: true });
    const p = ex.execute(res, { action: 'start', timeoutMs: 500 });
    await clock.advance(500);
    const r = await p;
    assert.equal(r.rc, EXEC_RC.TIMEOUT);
    assert.equal(r.timedOut, true);
    agent.injectFault('h', 'start', {
      exitCode: 1,
      durationMs: 3,
      stderr: 'ocf-exit-reason:disk full\n',
    });
    const q = ex.execute(res, { action: 'start', timeoutMs: 500 });
    await clock.advance(3);
    assert.deepEqual([(await q).rc, (await q).exitReason], [OCF_RC.ERR_GENERIC, 'disk full']);
    await ex.close();
  });

  it('drives recurring monitors on the virtual clock and sees a simulated crash', async () => {
    const { clock, agent, ex } = setup();
    const events: ExecutorEvent[] = [];
    ex.onEvent((e) => events.push(e));
    const res = { id: 'm', agent: 'ocf:vigilsim:Thing' };
    agent.setRole('m', 'started');
    ex.startRecurring(res, { action: 'monitor', intervalMs: 10_000, timeoutMs: 1000 });
    await clock.advance(60_000);
    const results = () => events.flatMap((e) => (e.kind === 'result' ? [e.result.rc] : []));
    assert.deepEqual(results(), [0]);
    agent.setRole('m', 'stopped');
    await clock.advance(10_010);
    assert.deepEqual(results(), [0, 7]);
    ex.cancel('m', 'monitor', 10_000);
    await clock.advance(100_000);
    assert.deepEqual(results(), [0, 7]);
    await ex.close();
  });

  it('close() kills an in-flight simulated action without any time passing', async () => {
    const { ex } = setup();
    const p = ex.execute(
      { id: 'c', agent: 'ocf:vigilsim:Thing' },
      { action: 'start', timeoutMs: 60_000 },
    );
    await settle();
    await ex.close();
    assert.equal((await p).rc, EXEC_RC.CANCELLED);
  });

  it('rejects unscripted commands and follows the OCF rules for promote/stop', async () => {
    const { clock, runner, ex } = setup();
    await assert.rejects(
      runner.run({ command: '/bin/none', args: [], env: {}, timeoutMs: 10, maxOutputBytes: 10 }),
      { code: 'VGL_E_IO' },
    );
    const res = { id: 's', agent: 'ocf:vigilsim:Thing' };
    const rcs: number[] = [];
    for (const action of [
      'promote',
      'start',
      'promote',
      'monitor',
      'stop',
      'demote',
      'stop',
      'frobnicate',
    ]) {
      const p = ex.execute(res, { action, timeoutMs: 1000 });
      await clock.advance(200);
      rcs.push((await p).rc);
    }
    assert.deepEqual(rcs, [7, 0, 0, 8, 8, 0, 0, 3]);
    const missing = await ex.execute(
      { id: 'x', agent: 'ocf:vigilsim:Nope' },
      { action: 'start', timeoutMs: 10 },
    );
    assert.equal(missing.rc, OCF_RC.ERR_INSTALLED);
    await ex.close();
  });
});
