import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Disk } from '../ports.js';
import { VigilError } from '../errors.js';

function ioError(op: string, path: string, e: unknown): VigilError {
  const msg = e instanceof Error ? e.message : String(e);
  return new VigilError('VGL_E_IO', `${op} ${path}: ${msg}`, { op, path }, { cause: e });
}

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
}

/** The real disk: node:fs with explicit fsync. */
export class NodeDisk implements Disk {
  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await fs.readFile(path));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw ioError('read', path, e);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(dir)).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw ioError('list', dir, e);
    }
  }

  async mkdirp(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    try {
      await fs.writeFile(path, data, { mode: 0o600 });
    } catch (e) {
      throw ioError('write', path, e);
    }
  }

  async append(path: string, data: Uint8Array): Promise<void> {
    try {
      await fs.appendFile(path, data, { mode: 0o600 });
    } catch (e) {
      throw ioError('append', path, e);
    }
  }

  async truncate(path: string, sizeBytes: number): Promise<void> {
    try {
      await fs.truncate(path, sizeBytes);
    } catch (e) {
      throw ioError('truncate', path, e);
    }
  }

  async sync(path: string): Promise<void> {
    const fh = await fs.open(path, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async syncDir(dir: string): Promise<void> {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await fs.rename(from, to);
    } catch (e) {
      throw ioError('rename', from, e);
    }
  }

  async remove(path: string): Promise<void> {
    await fs.rm(path, { force: true });
  }

  /** Writes `data` to `path` atomically and durably: temp file, fsync, rename, fsync dir. */
  async writeAtomic(path: string, data: Uint8Array): Promise<void> {
    const tmp = `${path}.tmp`;
    await this.write(tmp, data);
    await this.sync(tmp);
    await this.rename(tmp, path);
    await this.syncDir(dirname(path));
  }
}
