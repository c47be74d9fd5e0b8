import { randomBytes, hkdfSync } from 'node:crypto';
import { open, stat, readFile } from 'node:fs/promises';
import { VigilError } from '@vigil/base';

/** Bytes of fresh key material a generated authkey file holds. */
export const AUTHKEY_BYTES = 64;
/** Smallest and largest authkey file accepted. */
export const AUTHKEY_MIN_BYTES = 32;
export const AUTHKEY_MAX_BYTES = 4096;

/**
 * Writes a fresh authkey file (random bytes, mode 0600). Refuses to overwrite an existing file
 * (VGL_E_EXISTS): replacing a cluster's key by accident cuts the node off.
 */
export async function generateAuthkeyFile(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EEXIST') {
      throw new VigilError('VGL_E_EXISTS', `authkey file ${path} exists already; not overwritten`, {
        path,
      });
    }
    throw new VigilError('VGL_E_IO', `cannot create authkey file ${path}: ${String(e)}`, { path });
  }
  try {
    await fh.chmod(0o600);
    await fh.writeFile(randomBytes(AUTHKEY_BYTES));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Reads an authkey file. Refuses (VGL_E_PERMISSION) a file that group or others may read,
 * write or execute: the key is the cluster's only credential.
 */
export async function loadAuthkeyFile(path: string): Promise<Uint8Array> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') {
      throw new VigilError('VGL_E_NOT_FOUND', `authkey file ${path} does not exist`, { path });
    }
    throw new VigilError('VGL_E_IO', `cannot stat authkey file ${path}: ${String(e)}`, { path });
  }
  if (!st.isFile()) {
    throw new VigilError('VGL_E_INVALID_INPUT', `authkey ${path} is not a regular file`, { path });
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const m = mode.toString(8).padStart(4, '0');
    throw new VigilError(
      'VGL_E_PERMISSION',
      `authkey file ${path} has mode ${m}: group or others can access it; run chmod 600 ${path}`,
      { path, mode: m },
    );
  }
  const key = new Uint8Array(await readFile(path));
  if (key.length < AUTHKEY_MIN_BYTES || key.length > AUTHKEY_MAX_BYTES) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `authkey file ${path} holds ${key.length} bytes; expected ${AUTHKEY_MIN_BYTES}..${AUTHKEY_MAX_BYTES}`,
      { path, bytes: key.length },
    );
  }
  return key;
}

/**
 * The AES-256 key for one cluster: HKDF-SHA256 over the authkey material, bound to the cluster
 * id, so two clusters sharing a key file still cannot read each other's packets.
 */
export function deriveClusterKey(authkey: Uint8Array, clusterId: number): Uint8Array {
  const info = new Uint8Array(8);
  new DataView(info.buffer).setUint32(4, clusterId);
  info.set(new TextEncoder().encode('vgl1'), 0);
  return new Uint8Array(hkdfSync('sha256', authkey, 'vigil-wire-v1', info, 32));
}
