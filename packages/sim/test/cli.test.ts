import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('sim command line', () => {
  it('--seeds N runs N seeds and ends with the summary line', () => {
    const r = run('--seeds', '3', '--first', '77');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[lines.length - 1], 'sim: seeds=3 violations=0');
  });

  it('--seed S replays one seed with the same trace every time', () => {
    const a = run('--seed', '99', '--nodes', '3');
    const b = run('--seed', '99', '--nodes', '3');
    assert.equal(a.status, 0, a.stderr);
    assert.ok(a.stdout.includes('leader term'), a.stdout.slice(0, 500));
    assert.equal(a.stdout, b.stdout);
    assert.ok(a.stdout.trimEnd().endsWith('sim: seeds=1 violations=0'));
  });

  it('bad arguments exit 64 with a usage message', () => {
    for (const args of [[], ['--seeds', 'x'], ['--seeds', '1', '--nodes', '4'], ['--bogus']]) {
      const r = run(...args);
      assert.equal(r.status, 64, args.join(' '));
      assert.match(r.stderr, /usage: sim/);
    }
  });
});
