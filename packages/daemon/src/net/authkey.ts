import { randomBytes } from 'node:crypto';
import { open, stat, readFile } from 'node:fs/promises';
import { VigilError } from '@vigil/base';

/**
 * The cluster key file. Until `@vigil/wire` publishes its key-file helper, vigild uses this one:
 * 32..4096 random bytes, mode 0600, owned by the daemon's user. A key readable by group or world
 * is refused (VGL_E_PERMISSION): anyone who can read it can join the cluster.
 */
export const AUTHKEY_MIN_BYTES = 32;
export const AUTHKEY_MAX_BYTES = 4096;

export async function writeAuthkey(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new VigilError('VGL_E_EXISTS', `${path} exists already; remove it to make a new key`);
    throw new VigilError('VGL_E_IO', `cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(randomBytes(64));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function readAuthkey(path: string): Promise<Buffer> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new VigilError('VGL_E_NOT_FOUND', `authkey ${path}: ${(e as Error).message}`);
  }
  if ((st.mode & 0o077) !== 0)
    throw new VigilError(
      'VGL_E_PERMISSION',
      `authkey ${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`,
    );
  if (st.size < AUTHKEY_MIN_BYTES || st.size > AUTHKEY_MAX_BYTES)
    throw new VigilError(
      'VGL_E_PERMISSION',
      `authkey ${path} has ${st.size} bytes; it must have ${AUTHKEY_MIN_BYTES}-${AUTHKEY_MAX_BYTES}`,
    );
  return readFile(path);
}
