import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAlive, needs, NetnsLan, run, tempDir, waitFor } from '@vigil/testkit';

describe('testkit', () => {
  it('run kills the whole process group at the timeout, children included', async () => {
    await using dir = await tempDir('tk');
    const pidFile = `${dir.path}/child.pid`;
    // The child ignores SIGTERM and keeps the pipes open; only a group SIGKILL ends it.
    const r = await run('sh', ['-c', `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`], {
      timeoutMs: 300,
    });
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    const childPid = Number((await readFile(pidFile, 'utf8')).trim());
    await waitFor(() => !isAlive(childPid) || isZombie(childPid), {
      timeoutMs: 5000,
      what: 'the grandchild to die',
    });
  });

  it('run completes on exit even when a child holds the pipes open', async () => {
    const r = await run('sh', ['-c', 'sleep 5 & echo done'], { timeoutMs: 4000 });
    assert.equal(r.code, 0);
    assert.equal(r.timedOut, false);
    assert.equal(r.stdout.trim(), 'done');
  });

  it('waitFor returns the first truthy value and times out with a named error', async () => {
    let n = 0;
    assert.equal(
      await waitFor(() => (++n >= 3 ? n : undefined), {
        timeoutMs: 1000,
        intervalMs: 1,
        what: 'n',
      }),
      3,
    );
    await assert.rejects(
      waitFor(() => false, { timeoutMs: 30, what: 'the impossible' }),
      {
        code: 'VGL_E_TIMEOUT',
        message: /the impossible/,
      },
    );
  });

  it('tempDir is removed on dispose', async () => {
    let path = '';
    {
      await using d = await tempDir('tk');
      path = d.path;
      assert.ok(existsSync(path));
    }
    assert.ok(!existsSync(path));
  });

  it(
    'NetnsLan joins namespaces on a bridge so they can reach each other',
    needs('root', 'cmd:ip', 'cmd:ping'),
    async () => {
      await using lan = await NetnsLan.create('tk', 2, '10.199.7');
      const [a, b] = lan.hosts;
      assert.ok(a && b);
      const ping = await a.exec('ping', ['-c', '1', '-W', '2', b.address]);
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
      // And the namespace is really isolated: the root namespace's addresses are not there.
      const addrs = await a.exec('ip', ['-o', 'addr']);
      assert.match(addrs.stdout, /10\.199\.7\.1\//);
      assert.doesNotMatch(addrs.stdout, /10\.199\.7\.2\//);
    },
  );
});

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}
