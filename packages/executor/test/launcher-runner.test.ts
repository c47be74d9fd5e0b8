import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  LauncherFrameReader,
  LauncherProcessRunner,
  decodeWaitStatus,
  encodeStart,
} from '@vigil/executor';
import { isAlive, tempDir, waitFor } from '@vigil/testkit';

const base = { env: { PATH: '/usr/bin:/bin' }, timeoutMs: 10_000, maxOutputBytes: 4096 };

describe('LauncherProcessRunner', () => {
  const logs: string[] = [];
  const runner = new LauncherProcessRunner({ log: (l) => logs.push(l) });
  after(() => runner.close());

  it('agents are children of the launcher, not of this process', async () => {
    const r = await runner.run({ ...base, command: 'sh', args: ['-c', 'echo $PPID'] });
    assert.equal(runner.mode(), 'launcher');
    const launcherPid = runner.launcherPid();
    assert.ok(launcherPid !== undefined);
    assert.notEqual(launcherPid, process.pid);
    assert.equal(Number(r.stdout.trim()), launcherPid);
  });

  it('a launcher that dies fails its running jobs, kills their groups, and is replaced', async () => {
    await using dir = await tempDir('launcher');
    const running = runner.run({
      ...base,
      command: 'sh',
      args: ['-c', `sleep 60 & echo $! > ${dir.path}/pid; wait`],
    });
    await waitFor(async () => (await readFile(`${dir.path}/pid`, 'utf8').catch(() => '')) !== '', {
      timeoutMs: 10_000,
      what: 'the job to start',
    });
    const first = runner.launcherPid();
    assert.ok(first !== undefined);
    process.kill(first, 'SIGKILL');
    await assert.rejects(running, (e: Error & { code?: string }) => {
      assert.equal(e.code, 'VGL_E_IO');
      assert.match(e.message, /agent launcher exited \(SIGKILL\) while sh ran/);
      return true;
    });
    const sleeper = Number((await readFile(`${dir.path}/pid`, 'utf8')).trim());
    await waitFor(() => !isAlive(sleeper), { timeoutMs: 10_000, what: 'the orphaned job to die' });
    const r = await runner.run({ ...base, command: 'sh', args: ['-c', 'echo $PPID'] });
    assert.equal(runner.mode(), 'launcher');
    assert.notEqual(runner.launcherPid(), first);
    assert.equal(Number(r.stdout.trim()), runner.launcherPid());
    assert.ok(
      logs.some((l) => /a new one starts/.test(l)),
      logs.join('\n'),
    );
  });

  it('after repeated deaths jobs are forked directly, and still work', async () => {
    const fragile = new LauncherProcessRunner({ log: (l) => logs.push(l) });
    try {
      for (let i = 0; i < 3; i++) {
        await fragile.run({ ...base, command: 'true', args: [] });
        const pid = fragile.launcherPid();
        assert.ok(pid !== undefined, `launcher ${i} runs`);
        process.kill(pid, 'SIGKILL');
        await waitFor(() => fragile.launcherPid() === undefined, {
          timeoutMs: 10_000,
          what: 'the launcher death to be noticed',
        });
      }
      assert.match(fragile.mode(), /^direct \(the agent launcher died 3 times/);
      const r = await fragile.run({ ...base, command: 'sh', args: ['-c', 'echo $PPID'] });
      assert.equal(Number(r.stdout.trim()), process.pid);
    } finally {
      fragile.close();
    }
  });

  it('without perl, jobs run directly and the reason is logged', async () => {
    const lines: string[] = [];
    const noPerl = new LauncherProcessRunner({
      perl: '/nonexistent/perl',
      log: (l) => lines.push(l),
    });
    const r = await noPerl.run({ ...base, command: 'sh', args: ['-c', 'echo ok; exit 4'] });
    assert.equal(r.stdout, 'ok\n');
    assert.equal(r.exitCode, 4);
    assert.match(noPerl.mode(), /^direct \(the agent launcher cannot run \/nonexistent\/perl/);
    assert.equal(lines.length, 1);
    noPerl.close();
  });
});

describe('launcher protocol', () => {
  const frame = (payload: string): Buffer => {
    const b = Buffer.from(payload, 'latin1');
    const h = Buffer.alloc(4);
    h.writeUInt32BE(b.length);
    return Buffer.concat([h, b]);
  };

  it('decodes frames split anywhere across chunks, binary output intact', () => {
    const all = Buffer.concat([
      frame('R1\x00123'),
      frame('P7\x00456'),
      frame('O7\x001\x00a\x00\x00b'),
      frame('X7\x00256'),
      frame('D7'),
    ]);
    for (let cut = 0; cut <= all.length; cut++) {
      const r = new LauncherFrameReader();
      const ev = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      assert.deepEqual(
        ev.map((e) => e.type),
        ['ready', 'started', 'output', 'exited', 'done'],
        `cut at ${cut}`,
      );
      const out = ev[2];
      assert.ok(out?.type === 'output');
      assert.deepEqual([...out.bytes], [0x61, 0, 0, 0x62]);
    }
  });

  it('refuses malformed frames by name', () => {
    for (const bad of ['Q1', 'P7', 'Pseven\x001', 'O7\x003\x00x', 'X\x001']) {
      assert.throws(() => new LauncherFrameReader().push(frame(bad)), {
        code: 'VGL_E_IO',
        message: /agent launcher sent a malformed/,
      });
    }
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0x7fffffff);
    assert.throws(() => new LauncherFrameReader().push(huge), { code: 'VGL_E_IO' });
  });

  it('refuses what execve cannot carry', () => {
    const ok = { id: 1, cwd: '/', maxOutputBytes: 1, command: 'x', args: [], env: {} };
    assert.throws(() => encodeStart({ ...ok, args: ['a\0b'] }), {
      code: 'VGL_E_INVALID_INPUT',
      message: /argument 1 contains a NUL/,
    });
    assert.throws(() => encodeStart({ ...ok, env: { 'A=B': 'c' } }), {
      code: 'VGL_E_INVALID_INPUT',
    });
  });

  it('wait statuses: exit codes and signals', () => {
    assert.deepEqual(decodeWaitStatus(0), { exitCode: 0, signo: 0 });
    assert.deepEqual(decodeWaitStatus(7 << 8), { exitCode: 7, signo: 0 });
    assert.deepEqual(decodeWaitStatus(9), { exitCode: null, signo: 9 });
    assert.deepEqual(decodeWaitStatus(0x80 | 11), { exitCode: null, signo: 11 });
  });
});
