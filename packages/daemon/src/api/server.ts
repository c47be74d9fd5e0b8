import { createServer, type Server, type Socket } from 'node:net';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VigilError, isVigilError } from '@vigil/base';
import {
  API_REQUEST_TIMEOUT_MS,
  MAX_API_CONNECTIONS,
  MAX_API_LINE_BYTES,
  type ApiRequest,
  type ApiResponse,
} from './protocol.js';

export type ApiHandler = (req: ApiRequest) => Promise<unknown>;

/** Serves the local API on a Unix socket (mode 0600: only the daemon's user may drive it). */
export class ApiServer {
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(
    private readonly path: string,
    private readonly handler: ApiHandler,
  ) {}

  async listen(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await rm(this.path, { force: true });
    const server = createServer((s) => this.onConn(s));
    server.maxConnections = MAX_API_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(new VigilError('VGL_E_IO', `cannot listen on ${this.path}: ${e.message}`)),
      );
      server.listen(this.path, () => resolve());
    });
    await chmod(this.path, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    await rm(this.path, { force: true });
  }

  private onConn(s: Socket): void {
    this.conns.add(s);
    s.on('close', () => this.conns.delete(s));
    s.on('error', () => undefined);
    // A line may be many MiB (a whole CIB): only each new chunk is searched for its end.
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      const ended = chunk.includes('\n');
      buf += chunk;
      if (buf.length > MAX_API_LINE_BYTES && !ended) {
        this.reply(s, {
          id: 0,
          ok: false,
          error: {
            code: 'VGL_E_LIMIT',
            message: `request longer than ${MAX_API_LINE_BYTES} bytes`,
          },
        });
        s.end();
        buf = '';
        return;
      }
      if (!ended) return;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') void this.handle(s, line);
      }
    });
  }

  private async handle(s: Socket, line: string): Promise<void> {
    let req: ApiRequest;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
      const o = v as Record<string, unknown>;
      if (typeof o.id !== 'number' || typeof o.method !== 'string')
        throw new Error('needs id and method');
      req = {
        id: o.id,
        method: o.method,
        params:
          typeof o.params === 'object' && o.params !== null
            ? (o.params as Record<string, unknown>)
            : {},
        ...(typeof o.who === 'string' ? { who: o.who.slice(0, 128) } : {}),
      };
    } catch (e) {
      this.reply(s, {
        id: 0,
        ok: false,
        error: { code: 'VGL_E_PARSE', message: `bad request line: ${(e as Error).message}` },
      });
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.handler(req),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new VigilError(
                  'VGL_E_TIMEOUT',
                  `${req.method} did not finish within ${API_REQUEST_TIMEOUT_MS} ms`,
                ),
              ),
            API_REQUEST_TIMEOUT_MS,
          );
        }),
      ]);
      this.reply(s, { id: req.id, ok: true, result });
    } catch (e) {
      const err = isVigilError(e)
        ? { code: e.code, message: e.message }
        : { code: 'VGL_E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
      this.reply(s, { id: req.id, ok: false, error: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private reply(s: Socket, r: ApiResponse): void {
    if (!s.destroyed) s.write(`${JSON.stringify(r)}\n`);
  }
}
