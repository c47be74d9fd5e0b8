import {
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  closeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { VigilError } from '@vigil/base';
import {
  baseResourceId,
  type AttrRef,
  type AttrScope,
  type ClusterNode,
  type ClusterQueryPort,
  type ResourceRecord,
  type ResourceSection,
  type ResourceView,
} from './port.js';

/** The JSON document the file port keeps (format version 1). */
export interface ClusterStateFile {
  version: 1;
  /** Known nodes; absent means just this node, id 1. */
  nodes?: ClusterNode[];
  quorum?: boolean;
  options?: Record<string, string>;
  attributes?: Partial<Record<AttrScope, Record<string, Record<string, string>>>>;
  resources?: Record<
    string,
    {
      agent: string;
      params: Record<string, string>;
      meta: Record<string, string>;
      utilization?: Record<string, string>;
      nodes?: Record<string, 'started' | 'promoted'>;
    }
  >;
}

/** Largest state file accepted, in bytes. */
export const MAX_STATE_FILE_BYTES = 4 * 1024 * 1024;
/** How long a writer waits for the lock, and when a lock is considered abandoned, in ms. */
const LOCK_WAIT_MS = 5_000;
const LOCK_STALE_MS = 10_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The local implementation of the cluster query port: one JSON file, read fresh on every query
 * and updated atomically (write a temporary file, rename) under an exclusive lock file, so
 * concurrent agent commands never lose each other's writes.
 */
export class FileClusterPort implements ClusterQueryPort {
  constructor(
    readonly path: string,
    readonly nodeName: string,
  ) {}

  private cache: { key: string; doc: ClusterStateFile } | undefined;

  /**
   * Reads the current document (an empty one if the file does not exist yet). Queries reuse the
   * last parse while the file's inode, size and mtime are unchanged; treat the result as read-only.
   */
  read(): ClusterStateFile {
    let key: string;
    try {
      const st = statSync(this.path);
      key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1 };
      throw e;
    }
    if (this.cache?.key === key) return this.cache.doc;
    const doc = this.readFresh();
    this.cache = { key, doc };
    return doc;
  }

  /** Parses the file now, ignoring the cache; the caller may change the result. */
  private readFresh(): ClusterStateFile {
    let text: string;
    try {
      const st = statSync(this.path);
      if (st.size > MAX_STATE_FILE_BYTES) {
        throw new VigilError(
          'VGL_E_LIMIT',
          `${this.path} is larger than ${MAX_STATE_FILE_BYTES} bytes`,
        );
      }
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1 };
      throw e;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new VigilError('VGL_E_PARSE', `${this.path}: not valid JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1) {
      throw new VigilError(
        'VGL_E_PARSE',
        `${this.path}: not a vigil cluster state file (version 1)`,
      );
    }
    return doc as ClusterStateFile;
  }

  /** Applies `fn` to the document under the lock and writes it back atomically. */
  update<T>(fn: (doc: ClusterStateFile) => T): T {
    mkdirSync(dirname(this.path), { recursive: true });
    const lock = `${this.path}.lock`;
    const deadline = performance.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
        } catch {
          // gone meanwhile
        }
        if (performance.now() > deadline) {
          throw new VigilError(
            'VGL_E_TIMEOUT',
            `could not lock ${this.path} within ${LOCK_WAIT_MS} ms`,
          );
        }
        sleepSync(5);
      }
    }
    try {
      const doc = this.readFresh();
      const out = fn(doc);
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n', { mode: 0o600 });
      renameSync(tmp, this.path);
      return out;
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private nodeList(doc: ClusterStateFile): ClusterNode[] {
    return doc.nodes && doc.nodes.length > 0
      ? doc.nodes
      : [{ id: 1, name: this.nodeName, member: true }];
  }

  localNode(): Promise<ClusterNode> {
    const n = this.nodeList(this.read()).find((x) => x.name === this.nodeName);
    return Promise.resolve(n ?? { id: 1, name: this.nodeName, member: true });
  }

  nodes(): Promise<readonly ClusterNode[]> {
    return Promise.resolve(this.nodeList(this.read()));
  }

  hasQuorum(): Promise<boolean> {
    return Promise.resolve(this.read().quorum ?? true);
  }

  getAttribute(a: AttrRef): Promise<string | undefined> {
    return Promise.resolve(this.read().attributes?.[a.scope]?.[a.node]?.[a.name]);
  }

  setAttribute(a: AttrRef, value: string): Promise<void> {
    this.update((d) => {
      const attrs = (d.attributes ??= {});
      const scope = (attrs[a.scope] ??= {});
      (scope[a.node] ??= {})[a.name] = value;
    });
    return Promise.resolve();
  }

  deleteAttribute(a: AttrRef): Promise<void> {
    this.update((d) => {
      const node = d.attributes?.[a.scope]?.[a.node];
      if (node) Reflect.deleteProperty(node, a.name);
    });
    return Promise.resolve();
  }

  clusterOption(name: string): Promise<string | undefined> {
    return Promise.resolve(this.read().options?.[name]);
  }

  setClusterOption(name: string, value: string | undefined): Promise<void> {
    this.update((d) => {
      const o = (d.options ??= {});
      if (value === undefined) Reflect.deleteProperty(o, name);
      else o[name] = value;
    });
    return Promise.resolve();
  }

  resource(id: string): Promise<ResourceView | undefined> {
    const r = this.read().resources?.[baseResourceId(id)];
    if (!r) return Promise.resolve(undefined);
    const nodes = Object.entries(r.nodes ?? {});
    return Promise.resolve({
      id: baseResourceId(id),
      agent: r.agent,
      params: r.params,
      meta: r.meta,
      utilization: r.utilization ?? {},
      runningOn: nodes.map(([n]) => n),
      promotedOn: nodes.filter(([, s]) => s === 'promoted').map(([n]) => n),
    });
  }

  setResourceAttribute(
    id: string,
    section: ResourceSection,
    name: string,
    value: string | undefined,
  ): Promise<void> {
    this.update((d) => {
      const r = d.resources?.[baseResourceId(id)];
      if (!r) {
        throw new VigilError('VGL_E_NOT_FOUND', `resource ${baseResourceId(id)} does not exist`);
      }
      const sec = section === 'utilization' ? (r.utilization ??= {}) : r[section];
      if (value === undefined) Reflect.deleteProperty(sec, name);
      else sec[name] = value;
    });
    return Promise.resolve();
  }

  recordResource(rec: ResourceRecord): Promise<void> {
    const id = baseResourceId(rec.id);
    const cur = this.read().resources?.[id];
    const want =
      rec.state === undefined
        ? cur?.nodes?.[this.nodeName]
        : rec.state === 'stopped'
          ? undefined
          : rec.state;
    if (
      cur &&
      cur.agent === rec.agent &&
      JSON.stringify(cur.params) === JSON.stringify(rec.params) &&
      JSON.stringify(cur.meta) === JSON.stringify(rec.meta) &&
      cur.nodes?.[this.nodeName] === want
    ) {
      return Promise.resolve(); // nothing changed: no write on the hot path of monitors
    }
    this.update((d) => {
      const all = (d.resources ??= {});
      const prev = all[id];
      const nodes = { ...(prev?.nodes ?? {}) };
      if (want === undefined) Reflect.deleteProperty(nodes, this.nodeName);
      else nodes[this.nodeName] = want;
      all[id] = {
        agent: rec.agent,
        params: { ...rec.params },
        meta: { ...rec.meta },
        ...(prev?.utilization ? { utilization: prev.utilization } : {}),
        nodes,
      };
    });
    return Promise.resolve();
  }
}
