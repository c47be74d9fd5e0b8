import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ProcessRunner } from '@vigil/base';
import { LauncherProcessRunner, NodeProcessRunner } from '@vigil/executor';
import { isAlive, tempDir, waitFor } from '@vigil/testkit';

const base = { env: { PATH: '/usr/bin:/bin' }, timeoutMs: 5000, maxOutputBytes: 1024 };

// One contract, two real runners: vigild forks agents from the perl launcher, and falls back to
// forking them itself.
const launcher = new LauncherProcessRunner({
  log: (l) => assert.fail(`the launcher should not fall back here: ${l}`),
});
after(() => launcher.close());
const runners: [string, ProcessRunner][] = [
  ['NodeProcessRunner', new NodeProcessRunner()],
  ['LauncherProcessRunner', launcher],
];

for (const [name, runner] of runners)
  describe(name, () => {
    it('passes exactly the given environment and stdin', async () => {
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', 'echo "$FOO/${HOME:-nohome}"; cat'],
        env: { PATH: '/usr/bin:/bin', FOO: 'bar' },
        stdin: 'in',
      });
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout, 'bar/nohome\nin');
    });

    it('SIGKILLs the whole group at the timeout, even a child that ignores SIGTERM', async () => {
      await using dir = await tempDir('runner');
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', `trap '' TERM; sleep 60 & echo $! > ${dir.path}/pid; wait`],
        timeoutMs: 200,
      });
      assert.equal(r.timedOut, true);
      assert.equal(r.signal, 'SIGKILL');
      const pid = Number((await readFile(`${dir.path}/pid`, 'utf8')).trim());
      await waitFor(() => !isAlive(pid) || zombie(pid), {
        timeoutMs: 5000,
        what: 'the background child to die',
      });
    });

    it('completes at exit while a child still holds the pipes', async () => {
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', '(sleep 3) & echo started; exit 7'],
      });
      assert.equal(r.exitCode, 7);
      assert.equal(r.stdout, 'started\n');
      assert.ok(r.durationMs < 2500, `took ${r.durationMs} ms: waited for the pipes`);
    });

    it('keeps all output written just before exit (exit can precede the last read)', async () => {
      const runs = await Promise.all(
        Array.from({ length: 16 }, () =>
          runner.run({
            ...base,
            maxOutputBytes: 1024 * 1024,
            command: 'sh',
            args: ['-c', 'head -c 150000 /dev/zero | tr "\\0" y; echo tail >&2'],
          }),
        ),
      );
      for (const r of runs) {
        assert.equal(r.stdout.length, 150000);
        assert.equal(r.stderr, 'tail\n');
      }
    });

    it('caps output and says so', async () => {
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', 'head -c 100000 /dev/zero | tr "\\0" x'],
      });
      assert.equal(r.stdout.length, 1024);
      assert.equal(r.outputTruncated, true);
    });

    it('rejects a missing command with VGL_E_IO', async () => {
      await assert.rejects(runner.run({ ...base, command: '/nonexistent/agent', args: [] }), {
        code: 'VGL_E_IO',
      });
    });

    it('an abort kills the group early', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const r = await runner.run({ ...base, command: 'sleep', args: ['30'] }, ac.signal);
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.timedOut, false);
    });

    it('the child leads its own session and process group, and runs in the given cwd', async () => {
      await using dir = await tempDir('runner');
      const r = await runner.run({
        ...base,
        cwd: dir.path,
        command: 'sh',
        args: ['-c', 'pwd; ps -o sid= -o pgid= -p $$'],
      });
      const [cwd, ids] = r.stdout.trim().split('\n');
      assert.equal(cwd, dir.path);
      const [sid, pgid] = (ids ?? '').trim().split(/\s+/).map(Number);
      assert.ok(sid !== undefined && sid > 0 && sid === pgid, `sid ${sid} pgid ${pgid}`);
      assert.notEqual(pgid, process.pid);
    });

    it('reports a signal death and keeps NUL bytes, newlines and UTF-8 in output', async () => {
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', 'printf "a\\000b\\nré\\n"; printf err >&2; kill -TERM $$'],
      });
      assert.equal(r.exitCode, null);
      assert.equal(r.signal, 'SIGTERM');
      assert.equal(r.stdout, 'a\0b\nré\n');
      assert.equal(r.stderr, 'err');
    });

    it('passes arguments verbatim (spaces, quotes, empty strings, newlines)', async () => {
      const args = ['a b', '', "it's", '"q"', 'x\ny', '$HOME', '*'];
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'sh', ...args],
      });
      assert.equal(r.stdout, args.map((a) => `[${a}]`).join(''));
    });

    it('a child that exits without reading a large stdin does not hang', async () => {
      const r = await runner.run({
        ...base,
        command: 'sh',
        args: ['-c', 'exit 3'],
        stdin: 'z'.repeat(1024 * 1024),
      });
      assert.equal(r.exitCode, 3);
    });

    it('many jobs at once each get their own output and exit code', async () => {
      const runs = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          runner.run({ ...base, command: 'sh', args: ['-c', `echo job${i}; exit ${i % 7}`] }),
        ),
      );
      runs.forEach((r, i) => {
        assert.equal(r.stdout, `job${i}\n`);
        assert.equal(r.exitCode, i % 7);
      });
    });
  });

function zombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}
