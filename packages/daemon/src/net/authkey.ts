import { generateAuthkeyFile, loadAuthkeyFile } from '@vigil/wire';

/**
 * The cluster key file, through `@vigil/wire`'s helpers: random bytes, mode 0600; a key that group
 * or others can access is refused with VGL_E_PERMISSION, an existing file is never overwritten.
 */
export function writeAuthkey(path: string): Promise<void> {
  return generateAuthkeyFile(path);
}

export async function readAuthkey(path: string): Promise<Buffer> {
  return Buffer.from(await loadAuthkeyFile(path));
}
