import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE } from '@vigil/base';
import { main } from '@vigil/cli';
import { needs, run, tempDir } from '@vigil/testkit';

const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('vigil fence exec', needs('file:/usr/sbin/fence_dummy'), () => {
  it('runs fence_dummy status, off and on, printing outcome and duration', async () => {
    await using dir = await tempDir('cli-fence');
    const st = join(dir.path, 'status');
    const s1 = await capture(['fence', 'exec', 'fence_dummy', 'status', `status_file=${st}`]);
    assert.equal(s1.code, 0, s1.err);
    assert.match(s1.out, /^fence_dummy status: off \(rc 2\) in \d+ ms\n {2}\| Status: OFF\n$/);
    const on = await capture(['fence', 'exec', 'fence_dummy', 'on', `status_file=${st}`]);
    assert.equal(on.code, 0, on.err);
    assert.equal(readFileSync(st, 'utf8'), 'on');
    const s2 = await capture([
      'fence',
      'exec',
      'fence_dummy',
      'status',
      `status_file=${st}`,
      '--json',
    ]);
    const j = JSON.parse(s2.out) as { rc: number; power: string; ok: boolean; agent: string };
    assert.deepEqual([j.rc, j.power, j.ok, j.agent], [0, 'on', true, '/usr/sbin/fence_dummy']);
  });

  it('exits with the catalogue code of a failure', async () => {
    await using dir = await tempDir('cli-fence');
    const failed = await capture(['fence', 'exec', 'fence_dummy', 'list']);
    assert.equal(failed.code, ERROR_CATALOGUE.VGL_E_AGENT.exit);
    assert.match(failed.err, /VGL_E_AGENT: fence_dummy list: list failed \(rc 1\)/);
    const st = join(dir.path, 'st');
    writeFileSync(st, 'on');
    const slow = await capture([
      'fence',
      'exec',
      'fence_dummy',
      'off',
      `status_file=${st}`,
      'random_sleep_range=30',
      '--timeout',
      '600',
    ]);
    assert.equal(slow.code, ERROR_CATALOGUE.VGL_E_TIMEOUT.exit);
    assert.match(slow.out, /fence_dummy off: timed out \(killed by SIGKILL\)/);
    assert.match(slow.err, /VGL_E_TIMEOUT: fence_dummy off: off timed out after 600 ms/);
    assert.equal(readFileSync(st, 'utf8'), 'on', 'killed before it switched off');
  });

  it('rejects bad command lines with VGL_E_USAGE and unknown agents with VGL_E_NOT_FOUND', async () => {
    const usage = ERROR_CATALOGUE.VGL_E_USAGE.exit;
    const cases: [string[], number, RegExp][] = [
      [['fence', 'exec', 'fence_dummy'], usage, /usage: vigil fence exec AGENT ACTION/],
      [['fence', 'exec', 'fence_dummy', 'explode'], usage, /'explode' is not a fence action/],
      [
        ['fence', 'exec', 'fence_dummy', 'status', 'plug'],
        usage,
        /expected name=value, got 'plug'/,
      ],
      [
        ['fence', 'exec', 'fence_dummy', 'status', '--timeout', 'soon'],
        usage,
        /--timeout needs a whole number/,
      ],
      [['fence', 'exec', 'fence_dummy', 'status', 'action=off'], usage, /not as action=/],
      [
        ['fence', 'exec', 'fence_nope', 'status'],
        ERROR_CATALOGUE.VGL_E_NOT_FOUND.exit,
        /fence agent fence_nope not found/,
      ],
    ];
    for (const [argv, code, msg] of cases) {
      const r = await capture(argv);
      assert.equal(r.code, code, argv.join(' '));
      assert.match(r.err, msg);
    }
  });

  it('lists fence_vigil parameters from its meta-data, as a real process', async () => {
    const r = await run(process.execPath, [BIN, 'fence', 'exec', 'fence_vigil', 'metadata'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fence_vigil: /);
    assert.match(r.stdout, /actions: on, off, reboot, status, list, monitor/);
    assert.match(r.stdout, /state_dir +string +Directory where nodes register/);
  });
});
