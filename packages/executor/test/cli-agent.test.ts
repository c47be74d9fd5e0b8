import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { needs, run, tempDir } from '@vigil/testkit';

const BIN = fileURLToPath(new URL('../../../cli/bin/vigil.js', import.meta.url));

async function vigil(args: string[], stateDir: string) {
  return run(process.execPath, [BIN, ...args], {
    timeoutMs: 60_000,
    env: { PATH: process.env.PATH, VIGIL_AGENT_STATE_DIR: stateDir },
  });
}

describe('vigil agent …', { ...needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy') }, () => {
  it('exec start, monitor, stop, monitor across separate invocations; exit code is the rc', async () => {
    await using dir = await tempDir('cli-agent');
    const state = join(dir.path, 's');
    const steps: [string, number, RegExp][] = [
      ['start', 0, /ocf:heartbeat:Dummy start \(Dummy\): SUCCESS \(rc=0\) in \d+ ms/],
      ['monitor', 0, /SUCCESS \(rc=0\)/],
      ['stop', 0, /SUCCESS \(rc=0\)/],
      ['monitor', 7, /NOT_RUNNING \(rc=7\)/],
    ];
    for (const [action, code, line] of steps) {
      const r = await vigil(['agent', 'exec', 'ocf:heartbeat:Dummy', action], state);
      assert.equal(r.code, code, `${action}: ${r.stderr}`);
      assert.match(r.stderr, line);
    }
  });

  it('exec prints the exit reason and passes name=value parameters', async () => {
    await using dir = await tempDir('cli-agent-ip');
    const r = await vigil(
      [
        'agent',
        'exec',
        'ocf:heartbeat:IPaddr2',
        'validate-all',
        'ip=not-an-ip',
        '--timeout',
        '20000',
      ],
      dir.path,
    );
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /ERR_CONFIGURED \(rc=6\) in \d+ ms: .+/);
  });

  it('list and meta', async () => {
    await using dir = await tempDir('cli-agent-list');
    const l = await vigil(['agent', 'list', '--class', 'ocf'], dir.path);
    assert.equal(l.code, 0);
    const agents = l.stdout.trim().split('\n');
    assert.ok(agents.includes('ocf:heartbeat:Dummy'));
    assert.ok(agents.every((a) => a.startsWith('ocf:')));
    const m = await vigil(['agent', 'meta', 'ocf:heartbeat:Dummy', '--json'], dir.path);
    assert.equal(m.code, 0, m.stderr);
    const md = JSON.parse(m.stdout) as { name: string; actions: { name: string }[] };
    assert.equal(md.name, 'Dummy');
    assert.ok(md.actions.some((a) => a.name === 'monitor'));
    const bad = await vigil(['agent', 'meta', 'ocf:heartbeat:NoSuch'], dir.path);
    assert.equal(bad.code, 66);
    assert.match(bad.stderr, /VGL_E_NOT_FOUND/);
    const usage = await vigil(['agent', 'exec', 'ocf:heartbeat:Dummy'], dir.path);
    assert.equal(usage.code, 64);
  });
});
