import { connect } from 'node:net';
import { userInfo, hostname } from 'node:os';
import { ERROR_CATALOGUE, VigilError, type ErrorCode } from '@vigil/base';
import { API_REQUEST_TIMEOUT_MS, MAX_API_LINE_BYTES, type ApiResponse } from './protocol.js';

/** Calls the local vigild once. Throws the daemon's error as a VigilError with its code. */
export function callDaemon(
  socketPath: string,
  method: string,
  params: Record<string, unknown> = {},
  timeoutMs = API_REQUEST_TIMEOUT_MS + 2_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      f();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new VigilError(
              'VGL_E_TIMEOUT',
              `vigild at ${socketPath} did not answer ${method} within ${timeoutMs} ms`,
            ),
          ),
        ),
      timeoutMs,
    );
    s.on('error', (e: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          new VigilError(
            'VGL_E_UNAVAILABLE',
            `cannot reach vigild at ${socketPath}: ${e.code ?? e.message}; is it running? (set VIGIL_SOCKET or --socket)`,
          ),
        ),
      ),
    );
    s.on('connect', () => {
      let who = 'unknown';
      try {
        who = `${userInfo().username}@${hostname()}`;
      } catch {
        // no passwd entry: keep 'unknown'
      }
      s.write(`${JSON.stringify({ id: 1, method, params, who })}\n`);
    });
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_API_LINE_BYTES * 8)
        return finish(() => reject(new VigilError('VGL_E_LIMIT', 'vigild answer too large')));
      // An answer may be many MiB: only a chunk with a line end makes it worth a search.
      if (!chunk.includes('\n')) return;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let r: ApiResponse;
      try {
        r = JSON.parse(buf.slice(0, nl)) as ApiResponse;
      } catch {
        return finish(() =>
          reject(new VigilError('VGL_E_PARSE', 'vigild sent a malformed answer')),
        );
      }
      if (r.ok) finish(() => resolve(r.result));
      else {
        const code = (
          r.error.code in ERROR_CATALOGUE ? r.error.code : 'VGL_E_INTERNAL'
        ) as ErrorCode;
        finish(() => reject(new VigilError(code, r.error.message)));
      }
    });
    s.on('close', () =>
      finish(() =>
        reject(
          new VigilError('VGL_E_UNAVAILABLE', `vigild closed the connection during ${method}`),
        ),
      ),
    );
  });
}
