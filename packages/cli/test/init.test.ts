import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '@vigil/cli';
import { parseClusterConfig } from '@vigil/daemon';
import { tempDir } from '@vigil/testkit';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('vigil init', () => {
  it('writes a valid vigil.yaml and a 0600 authkey, and will not overwrite them', async () => {
    await using dir = await tempDir('init');
    const r = await capture([
      'init',
      '--nodes',
      'a=10.0.0.1,b=10.0.0.2:5999,c=10.0.0.3',
      '--name',
      'prod',
      '--dir',
      dir.path,
    ]);
    assert.equal(r.code, 0, r.err);
    const cfg = parseClusterConfig(await readFile(join(dir.path, 'vigil.yaml'), 'utf8'));
    assert.equal(cfg.cluster, 'prod');
    assert.deepEqual(
      cfg.nodes.map((n) => `${n.name}=${n.links[0]!.host}:${n.links[0]!.port}`),
      ['a=10.0.0.1:5405', 'b=10.0.0.2:5999', 'c=10.0.0.3:5405'],
    );
    assert.equal(((await stat(join(dir.path, 'authkey'))).mode & 0o777).toString(8), '600');
    const again = await capture(['init', '--nodes', 'a=10.0.0.1', '--dir', dir.path]);
    assert.notEqual(again.code, 0);
    assert.match(again.err, /VGL_E_EXISTS/);
  });

  it('names the bad item of --nodes', async () => {
    const r = await capture(['init', '--nodes', 'a=10.0.0.1,oops']);
    assert.equal(r.code, 64);
    assert.match(r.err, /VGL_E_USAGE: --nodes: 'oops'/);
  });
});
