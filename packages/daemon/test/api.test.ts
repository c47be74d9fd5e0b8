import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '@vigil/base';
import { callDaemon, readAuthkey, writeAuthkey, MAX_API_LINE_BYTES } from '@vigil/daemon';
import { ApiServer } from '../src/api/server.js';
import { tempDir } from '@vigil/testkit';

function rawLine(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        s.destroy();
        resolve(buf.slice(0, buf.indexOf('\n')));
      }
    });
    s.on('error', reject);
    s.write(line);
  });
}

describe('local API socket', () => {
  it('answers requests, passes stable error codes, rejects malformed and oversized lines', async () => {
    await using dir = await tempDir('api');
    const path = join(dir.path, 'api.sock');
    const server = new ApiServer(path, (req) => {
      if (req.method === 'echo') return Promise.resolve({ got: req.params, who: req.who });
      return Promise.reject(new VigilError('VGL_E_NOT_FOUND', `no ${req.method}`));
    });
    await server.listen();
    try {
      assert.equal(((await stat(path)).mode & 0o777).toString(8), '600');
      const r = (await callDaemon(path, 'echo', { x: 1 })) as { got: { x: number }; who: string };
      assert.deepEqual(r.got, { x: 1 });
      assert.match(r.who, /@/);
      await assert.rejects(
        callDaemon(path, 'nope'),
        (e: unknown) => e instanceof VigilError && e.code === 'VGL_E_NOT_FOUND',
      );
      assert.match(await rawLine(path, 'not json\n'), /VGL_E_PARSE/);
      assert.match(await rawLine(path, 'x'.repeat(MAX_API_LINE_BYTES + 10)), /VGL_E_LIMIT/);
    } finally {
      await server.close();
    }
    await assert.rejects(
      callDaemon(path, 'echo'),
      (e: unknown) => e instanceof VigilError && e.code === 'VGL_E_UNAVAILABLE',
    );
  });

  it('writes a 0600 authkey, refuses to overwrite it, and refuses a group-readable key', async () => {
    await using dir = await tempDir('key');
    const p = join(dir.path, 'authkey');
    await writeAuthkey(p);
    assert.equal(((await stat(p)).mode & 0o777).toString(8), '600');
    assert.ok((await readAuthkey(p)).length >= 32);
    await assert.rejects(writeAuthkey(p), /exists already/);
    await chmod(p, 0o640);
    await assert.rejects(
      readAuthkey(p),
      (e: unknown) => e instanceof VigilError && e.code === 'VGL_E_PERMISSION',
    );
    await writeFile(join(dir.path, 'short'), 'abc', { mode: 0o600 });
    await assert.rejects(
      readAuthkey(join(dir.path, 'short')),
      (e: unknown) => e instanceof VigilError && e.code === 'VGL_E_INVALID_INPUT',
    );
  });
});
