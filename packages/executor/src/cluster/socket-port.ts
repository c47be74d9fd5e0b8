import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { chmod, rm } from 'node:fs/promises';
import { VigilError, isVigilError, type ErrorCode } from '@vigil/base';
import type {
  AttrRef,
  ClusterNode,
  ClusterQueryPort,
  ResourceRecord,
  ResourceSection,
  ResourceView,
} from './port.js';

/**
 * The cluster port over a local Unix socket: a daemon serves its `ClusterQueryPort` (backed by
 * the replicated cluster state) and the agent commands (`crm_attribute`, `attrd_updater`,
 * `crm_node`…), which run as separate processes under the agents, call it.
 *
 * Protocol: one request per connection, one JSON line each way.
 * Request `{"m": METHOD, "a": [ARGS…]}`; answer `{"ok": true, "v": VALUE}` or
 * `{"ok": false, "code": "VGL_E_…", "message": "…"}`. Requests are bounded in size and time.
 */
export const MAX_PORT_MESSAGE_BYTES = 256 * 1024;
export const DEFAULT_PORT_TIMEOUT_MS = 30_000;
/** Connections served at once; more are refused. */
export const MAX_PORT_CONNECTIONS = 64;

const METHODS = [
  'localNode',
  'nodes',
  'hasQuorum',
  'getAttribute',
  'setAttribute',
  'deleteAttribute',
  'clusterOption',
  'setClusterOption',
  'resource',
  'setResourceAttribute',
  'recordResource',
] as const;
type Method = (typeof METHODS)[number];

/** The client: every call is one connection to the daemon's socket. */
export class SocketClusterPort implements ClusterQueryPort {
  constructor(
    readonly path: string,
    readonly timeoutMs = DEFAULT_PORT_TIMEOUT_MS,
  ) {}

  localNode(): Promise<ClusterNode> {
    return this.call('localNode', []) as Promise<ClusterNode>;
  }
  nodes(): Promise<readonly ClusterNode[]> {
    return this.call('nodes', []) as Promise<ClusterNode[]>;
  }
  hasQuorum(): Promise<boolean> {
    return this.call('hasQuorum', []) as Promise<boolean>;
  }
  getAttribute(a: AttrRef): Promise<string | undefined> {
    return this.call('getAttribute', [a]).then((v) => (v === null ? undefined : (v as string)));
  }
  async setAttribute(a: AttrRef, value: string): Promise<void> {
    await this.call('setAttribute', [a, value]);
  }
  async deleteAttribute(a: AttrRef): Promise<void> {
    await this.call('deleteAttribute', [a]);
  }
  clusterOption(name: string): Promise<string | undefined> {
    return this.call('clusterOption', [name]).then((v) => (v === null ? undefined : (v as string)));
  }
  async setClusterOption(name: string, value: string | undefined): Promise<void> {
    await this.call('setClusterOption', [name, value ?? null]);
  }
  resource(id: string): Promise<ResourceView | undefined> {
    return this.call('resource', [id]).then((v) => (v === null ? undefined : (v as ResourceView)));
  }
  async setResourceAttribute(
    id: string,
    section: ResourceSection,
    name: string,
    value: string | undefined,
  ): Promise<void> {
    await this.call('setResourceAttribute', [id, section, name, value ?? null]);
  }
  async recordResource(r: ResourceRecord): Promise<void> {
    await this.call('recordResource', [r]);
  }

  private call(m: Method, a: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.path);
      let buf = '';
      let done = false;
      const finish = (err: Error | undefined, v?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(v);
      };
      const timer = setTimeout(
        () =>
          finish(
            new VigilError(
              'VGL_E_TIMEOUT',
              `the cluster port at ${this.path} did not answer ${m} within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      sock.setEncoding('utf8');
      sock.on('connect', () => sock.write(`${JSON.stringify({ m, a })}\n`));
      sock.on('data', (d: string) => {
        buf += d;
        if (buf.length > MAX_PORT_MESSAGE_BYTES)
          return finish(
            new VigilError(
              'VGL_E_LIMIT',
              `cluster port answer over ${MAX_PORT_MESSAGE_BYTES} bytes`,
            ),
          );
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        let res: { ok?: unknown; v?: unknown; code?: unknown; message?: unknown };
        try {
          res = JSON.parse(buf.slice(0, nl)) as typeof res;
        } catch {
          return finish(new VigilError('VGL_E_PARSE', `cluster port sent a malformed answer`));
        }
        if (res.ok === true) finish(undefined, res.v ?? null);
        else
          finish(
            new VigilError(
              (typeof res.code === 'string' ? res.code : 'VGL_E_INTERNAL') as ErrorCode,
              typeof res.message === 'string' ? res.message : 'cluster port call failed',
            ),
          );
      });
      sock.on('error', (e) =>
        finish(
          new VigilError(
            'VGL_E_UNAVAILABLE',
            `cannot reach the cluster port at ${this.path}: ${e.message}`,
          ),
        ),
      );
      sock.on('close', () =>
        finish(new VigilError('VGL_E_UNAVAILABLE', `the cluster port at ${this.path} hung up`)),
      );
    });
  }
}

/** Serves `port` on a Unix socket (mode 0600); resolves once listening. */
export async function serveClusterPort(
  path: string,
  port: ClusterQueryPort,
  timeoutMs = DEFAULT_PORT_TIMEOUT_MS,
): Promise<{ close(): Promise<void> }> {
  await rm(path, { force: true });
  const server: Server = createServer({ allowHalfOpen: false }, (sock) =>
    serveOne(sock, port, timeoutMs),
  );
  server.maxConnections = MAX_PORT_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        void rm(path, { force: true });
      }),
  };
}

function serveOne(sock: Socket, port: ClusterQueryPort, timeoutMs: number): void {
  sock.setEncoding('utf8');
  let buf = '';
  let handled = false;
  const timer = setTimeout(() => sock.destroy(), timeoutMs);
  const answer = (x: unknown): void => {
    clearTimeout(timer);
    sock.end(`${JSON.stringify(x)}\n`);
  };
  sock.on('error', () => clearTimeout(timer));
  sock.on('close', () => clearTimeout(timer));
  sock.on('data', (d: string) => {
    if (handled) return;
    buf += d;
    if (buf.length > MAX_PORT_MESSAGE_BYTES) {
      handled = true;
      answer({
        ok: false,
        code: 'VGL_E_LIMIT',
        message: `request over ${MAX_PORT_MESSAGE_BYTES} bytes`,
      });
      return;
    }
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    handled = true;
    let req: { m?: unknown; a?: unknown };
    try {
      req = JSON.parse(buf.slice(0, nl)) as typeof req;
    } catch {
      answer({ ok: false, code: 'VGL_E_PARSE', message: 'request is not JSON' });
      return;
    }
    if (
      typeof req.m !== 'string' ||
      !(METHODS as readonly string[]).includes(req.m) ||
      !Array.isArray(req.a) ||
      req.a.length > 4
    ) {
      answer({ ok: false, code: 'VGL_E_USAGE', message: `bad request ${JSON.stringify(req.m)}` });
      return;
    }
    const args = (req.a as unknown[]).map((x) => (x === null ? undefined : x));
    Promise.resolve()
      .then(() => call(port, req.m as Method, args))
      .then(
        (v) => answer({ ok: true, v: v ?? null }),
        (e: unknown) =>
          answer(
            isVigilError(e)
              ? { ok: false, code: e.code, message: e.message }
              : { ok: false, code: 'VGL_E_INTERNAL', message: String(e) },
          ),
      );
  });
}

function call(port: ClusterQueryPort, m: Method, a: unknown[]): Promise<unknown> {
  switch (m) {
    case 'localNode':
      return port.localNode();
    case 'nodes':
      return port.nodes();
    case 'hasQuorum':
      return port.hasQuorum();
    case 'getAttribute':
      return port.getAttribute(a[0] as AttrRef);
    case 'setAttribute':
      return port.setAttribute(a[0] as AttrRef, str(a[1]));
    case 'deleteAttribute':
      return port.deleteAttribute(a[0] as AttrRef);
    case 'clusterOption':
      return port.clusterOption(str(a[0]));
    case 'setClusterOption':
      return port.setClusterOption(str(a[0]), optStr(a[1]));
    case 'resource':
      return port.resource(str(a[0]));
    case 'setResourceAttribute':
      return port.setResourceAttribute(str(a[0]), a[1] as ResourceSection, str(a[2]), optStr(a[3]));
    case 'recordResource':
      return port.recordResource(a[0] as ResourceRecord);
  }
}

function str(x: unknown): string {
  if (typeof x !== 'string')
    throw new VigilError('VGL_E_USAGE', `cluster port: expected a string, got ${typeof x}`);
  return x;
}

function optStr(x: unknown): string | undefined {
  return x === undefined ? undefined : str(x);
}
