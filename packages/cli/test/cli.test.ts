import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE } from '@vigil/base';
import { COMMANDS, main } from '@vigil/cli';
import { run } from '@vigil/testkit';

const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('vigil CLI', () => {
  it('lists every command in help', async () => {
    const r = await capture(['help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.ok(r.out.includes(c.usage), `help shows ${c.usage}`);
  });

  it('rejects an unknown command with VGL_E_USAGE and its exit code', async () => {
    const r = await capture(['frobnicate']);
    assert.equal(r.code, ERROR_CATALOGUE.VGL_E_USAGE.exit);
    assert.match(r.err, /VGL_E_USAGE: unknown command 'frobnicate'/);
  });

  it('prints the error catalogue as JSON with every code', async () => {
    const r = await capture(['errors', '--json']);
    const rows = JSON.parse(r.out) as { code: string }[];
    assert.deepEqual(rows.map((x) => x.code).sort(), Object.keys(ERROR_CATALOGUE).sort());
  });

  it('documents every command in README.md', () => {
    const readme = readFileSync(README, 'utf8');
    for (const c of COMMANDS)
      assert.ok(readme.includes(c.usage), `README documents \`${c.usage}\``);
  });

  it('runs as a real process under Node 24 through its bin', async () => {
    const r = await run(process.execPath, [BIN, 'version'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^vigil \d+\.\d+\.\d+ \(node 24\./);
  });
});
