import { VigilError, type Disk } from '@vigil/base';
import type { SimRandom } from './random.js';

interface FileObj {
  /** What reads see now. */
  data: Uint8Array;
  /** What survives a crash (the content at the last sync). */
  durable: Uint8Array;
}

/** Thrown by a SimDisk whose armed crash point was reached: the node lost power mid-operation. */
export class SimCrash extends Error {
  constructor() {
    super('simulated power loss');
    this.name = 'SimCrash';
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * The simulated `Disk` port: in memory, with crash semantics. File contents become durable on
 * `sync`; names (creations, renames, removals) become durable on `syncDir` of their directory.
 * `crash(rng)` throws away everything not durable, except that an append-only unsynced tail may
 * survive in part: torn at a random byte.
 */
export class SimDisk implements Disk {
  private files = new Map<string, FileObj>();
  /** The durable namespace: path → file object, per the last syncDir of each directory. */
  private durableNames = new Map<string, FileObj>();
  private dirs = new Set<string>(['/']);
  private crashAfterOps = -1;
  /** Operations performed, for statistics. */
  ops = 0;

  /** Makes the `n`-th next mutating operation throw SimCrash before it takes effect. */
  armCrash(n: number): void {
    this.crashAfterOps = n;
  }

  /** Runs a mutating operation; an armed crash point rejects before it takes effect. */
  private guard(fn: () => void): Promise<void> {
    try {
      this.op();
      fn();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private op(): void {
    this.ops++;
    if (this.crashAfterOps < 0) return;
    if (this.crashAfterOps === 0) {
      this.crashAfterOps = -1;
      throw new SimCrash();
    }
    this.crashAfterOps--;
  }

  private need(path: string): FileObj {
    const f = this.files.get(path);
    if (!f) throw new VigilError('VGL_E_IO', `simdisk: ${path}: no such file`, { path });
    return f;
  }

  read(path: string): Promise<Uint8Array | undefined> {
    const f = this.files.get(path);
    return Promise.resolve(f ? f.data.slice() : undefined);
  }

  list(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const out: string[] = [];
    for (const p of this.files.keys()) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        out.push(p.slice(prefix.length));
    }
    return Promise.resolve(out.sort());
  }

  mkdirp(dir: string): Promise<void> {
    this.dirs.add(dir);
    return Promise.resolve();
  }

  write(path: string, data: Uint8Array): Promise<void> {
    return this.guard(() => {
      this.checkDir(path);
      const f = this.files.get(path);
      if (f) f.data = data.slice();
      else this.files.set(path, { data: data.slice(), durable: new Uint8Array(0) });
    });
  }

  append(path: string, data: Uint8Array): Promise<void> {
    return this.guard(() => {
      this.checkDir(path);
      const f = this.files.get(path);
      if (!f) {
        this.files.set(path, { data: data.slice(), durable: new Uint8Array(0) });
        return;
      }
      const next = new Uint8Array(f.data.length + data.length);
      next.set(f.data);
      next.set(data, f.data.length);
      f.data = next;
    });
  }

  truncate(path: string, sizeBytes: number): Promise<void> {
    return this.guard(() => {
      const f = this.need(path);
      f.data = f.data.slice(0, sizeBytes);
    });
  }

  sync(path: string): Promise<void> {
    return this.guard(() => {
      const f = this.need(path);
      f.durable = f.data.slice();
    });
  }

  syncDir(dir: string): Promise<void> {
    return this.guard(() => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const inDir = (p: string): boolean =>
        p.startsWith(prefix) && !p.slice(prefix.length).includes('/');
      for (const p of [...this.durableNames.keys()])
        if (inDir(p) && !this.files.has(p)) this.durableNames.delete(p);
      for (const [p, f] of this.files) if (inDir(p)) this.durableNames.set(p, f);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.guard(() => {
      const f = this.need(from);
      this.files.delete(from);
      this.files.set(to, f);
    });
  }

  remove(path: string): Promise<void> {
    return this.guard(() => {
      this.files.delete(path);
    });
  }

  private checkDir(path: string): void {
    if (!this.dirs.has(parentOf(path))) {
      throw new VigilError('VGL_E_IO', `simdisk: ${parentOf(path)}: no such directory`, { path });
    }
  }

  /**
   * Power loss. Names revert to the last syncDir; contents revert to the last sync, except that
   * when the lost part is a pure append, a random prefix of it may survive (a torn write).
   * Returns the number of files whose tail was torn.
   */
  crash(rng: SimRandom): number {
    this.crashAfterOps = -1;
    let torn = 0;
    const next = new Map<string, FileObj>();
    const seen = new Set<FileObj>();
    for (const [p, f] of [...this.durableNames].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!seen.has(f)) {
        seen.add(f);
        let data = f.durable;
        const appendOnly = f.data.length > f.durable.length && startsWith(f.data, f.durable);
        if (appendOnly && rng.chance(0.5)) {
          const keep = rng.int(0, f.data.length - f.durable.length + 1);
          if (keep > 0) {
            data = f.data.slice(0, f.durable.length + keep);
            if (rng.chance(0.3)) {
              // Garbage in the torn part, as a half-written sector may hold.
              data[rng.int(f.durable.length, data.length)] = rng.u32() & 0xff;
            }
            torn++;
          }
        }
        f.data = data.slice();
        f.durable = data.slice();
      }
      next.set(p, f);
    }
    this.files = new Map(next);
    this.durableNames = new Map(next);
    return torn;
  }

  /** Total bytes held (for limits in tests). */
  get bytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.data.length;
    return n;
  }
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > a.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}
