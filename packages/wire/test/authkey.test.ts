import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@vigil/testkit';
import { AUTHKEY_BYTES, generateAuthkeyFile, loadAuthkeyFile } from '@vigil/wire';

describe('authkey file', () => {
  it('generates a private key file, refuses to overwrite it, loads it back', async () => {
    await using dir = await tempDir('authkey');
    const p = join(dir.path, 'authkey');
    await generateAuthkeyFile(p);
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    const k = await loadAuthkeyFile(p);
    assert.equal(k.length, AUTHKEY_BYTES);
    await assert.rejects(generateAuthkeyFile(p), { code: 'VGL_E_EXISTS' });
    const p2 = join(dir.path, 'authkey2');
    await generateAuthkeyFile(p2);
    assert.notDeepEqual([...(await loadAuthkeyFile(p2))], [...k], 'fresh random keys');
  });

  it('refuses a key file that group or others can read, naming the fix', async () => {
    await using dir = await tempDir('authkey');
    const p = join(dir.path, 'authkey');
    await generateAuthkeyFile(p);
    for (const mode of [0o640, 0o604, 0o660, 0o644]) {
      await chmod(p, mode);
      await assert.rejects(loadAuthkeyFile(p), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'VGL_E_PERMISSION');
        assert.match(e.message, /chmod 600/);
        assert.match(e.message, new RegExp(mode.toString(8)));
        return true;
      });
    }
    await chmod(p, 0o400);
    assert.equal((await loadAuthkeyFile(p)).length, AUTHKEY_BYTES);
  });

  it('refuses missing and too-short key files', async () => {
    await using dir = await tempDir('authkey');
    await assert.rejects(loadAuthkeyFile(join(dir.path, 'none')), { code: 'VGL_E_NOT_FOUND' });
    const p = join(dir.path, 'short');
    await writeFile(p, 'abc', { mode: 0o600 });
    await assert.rejects(loadAuthkeyFile(p), { code: 'VGL_E_INVALID_INPUT' });
  });
});
