import { VigilError, assert } from '@vigil/base';

/**
 * The agent launcher's protocol (launcher/agent-launcher.pl), over its stdin and stdout.
 *
 * A frame is a 4-byte big-endian payload length, then the payload: one type letter, then
 * fields separated by NUL. A field that can hold NUL (stdin, output) is the last one.
 *
 * To the launcher:
 * - `S` id, cwd, maxOutputBytes, hasStdin (0|1), command, argc, args…, envc, `K=V`…, stdin
 * - `C` id: the job exited and vigild stops waiting for its output; close its pipes.
 *
 * From the launcher:
 * - `R` version, pid: ready (sent once, first)
 * - `P` id, pid: the job runs (its own session and process group; pid = pgid)
 * - `E` id, errno, text: it could not start (nothing runs)
 * - `O` id, stream (1|2), bytes: output, at most maxOutputBytes per stream in all
 * - `T` id, stream: output beyond maxOutputBytes was dropped
 * - `X` id, wait status: the process exited (output may still follow, until `D`)
 * - `D` id: both output pipes reached end of file; the job is forgotten
 */
export const LAUNCHER_PROTOCOL_VERSION = 1;

/** A frame larger than this is a broken launcher (or request): the launcher refuses 16 MiB too. */
export const MAX_LAUNCHER_FRAME_BYTES = 16 * 1024 * 1024;

export interface StartRequest {
  readonly id: number;
  readonly cwd: string;
  readonly maxOutputBytes: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

export type LauncherEvent =
  | { readonly type: 'ready'; readonly version: number; readonly pid: number }
  | { readonly type: 'started'; readonly id: number; readonly pid: number }
  | { readonly type: 'failed'; readonly id: number; readonly errno: number; readonly text: string }
  | {
      readonly type: 'output';
      readonly id: number;
      readonly stream: 1 | 2;
      readonly bytes: Buffer;
    }
  | { readonly type: 'capped'; readonly id: number; readonly stream: 1 | 2 }
  | { readonly type: 'exited'; readonly id: number; readonly waitStatus: number }
  | { readonly type: 'done'; readonly id: number };

function frame(payload: Buffer): Buffer {
  if (payload.length > MAX_LAUNCHER_FRAME_BYTES)
    throw new VigilError(
      'VGL_E_LIMIT',
      `an agent request of ${payload.length} bytes exceeds the launcher's ${MAX_LAUNCHER_FRAME_BYTES}-byte frame limit`,
      { bytes: payload.length, maxBytes: MAX_LAUNCHER_FRAME_BYTES },
    );
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(payload.length, 0);
  return Buffer.concat([head, payload]);
}

/** Names a NUL where the OS cannot take one (an argument, a variable, a path). */
function noNul(what: string, s: string): string {
  if (s.includes('\0'))
    throw new VigilError('VGL_E_INVALID_INPUT', `${what} contains a NUL byte`, { what });
  return s;
}

export function encodeStart(r: StartRequest): Buffer {
  assert(Number.isSafeInteger(r.id) && r.id > 0, 'job ids are positive integers');
  assert(Number.isSafeInteger(r.maxOutputBytes) && r.maxOutputBytes >= 0, 'maxOutputBytes');
  const env = Object.entries(r.env).map(([k, v]) => {
    if (k === '' || k.includes('='))
      throw new VigilError('VGL_E_INVALID_INPUT', `environment variable name '${k}' is not valid`);
    return noNul(`environment variable ${k}`, `${k}=${v}`);
  });
  const fields = [
    String(r.id),
    noNul('working directory', r.cwd),
    String(r.maxOutputBytes),
    r.stdin === undefined ? '0' : '1',
    noNul('command', r.command),
    String(r.args.length),
    ...r.args.map((a, i) => noNul(`argument ${i + 1}`, a)),
    String(env.length),
    ...env,
    r.stdin ?? '',
  ];
  return frame(Buffer.from(`S${fields.join('\0')}`, 'utf8'));
}

export function encodeForget(id: number): Buffer {
  return frame(Buffer.from(`C${id}`, 'utf8'));
}

/**
 * Splits the launcher's stdout into events. Anything malformed is a broken launcher: it throws,
 * and the runner treats the launcher as dead.
 */
export class LauncherFrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LauncherEvent[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: LauncherEvent[] = [];
    let off = 0;
    while (this.buf.length - off >= 4) {
      const len = this.buf.readUInt32BE(off);
      if (len > MAX_LAUNCHER_FRAME_BYTES || len === 0)
        throw new VigilError('VGL_E_IO', `agent launcher sent a frame of ${len} bytes`);
      if (this.buf.length - off - 4 < len) break;
      out.push(decodeEvent(this.buf.subarray(off + 4, off + 4 + len)));
      off += 4 + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
    return out;
  }
}

function decodeEvent(p: Buffer): LauncherEvent {
  const type = String.fromCharCode(p[0] ?? 0);
  // Fields before a binary tail are ASCII; split only as far as needed.
  const fields = (n: number): [string[], Buffer] => {
    const out: string[] = [];
    let at = 1;
    for (let i = 0; i < n; i++) {
      const nul = p.indexOf(0, at);
      const end = i === n - 1 && nul < 0 ? p.length : nul;
      if (end < 0) throw bad(type, p);
      out.push(p.toString('latin1', at, end));
      at = end + 1;
    }
    return [out, p.subarray(Math.min(at, p.length))];
  };
  const int = (s: string | undefined): number => {
    if (s === undefined || !/^-?\d{1,15}$/.test(s)) throw bad(type, p);
    return Number(s);
  };
  switch (type) {
    case 'R': {
      const [[v, pid]] = fields(2);
      return { type: 'ready', version: int(v), pid: int(pid) };
    }
    case 'P': {
      const [[id, pid]] = fields(2);
      return { type: 'started', id: int(id), pid: int(pid) };
    }
    case 'E': {
      const [[id, errno], rest] = fields(2);
      return { type: 'failed', id: int(id), errno: int(errno), text: rest.toString('utf8') };
    }
    case 'O': {
      const [[id, stream], bytes] = fields(2);
      return { type: 'output', id: int(id), stream: streamOf(stream, type, p), bytes };
    }
    case 'T': {
      const [[id, stream]] = fields(2);
      return { type: 'capped', id: int(id), stream: streamOf(stream, type, p) };
    }
    case 'X': {
      const [[id, st]] = fields(2);
      return { type: 'exited', id: int(id), waitStatus: int(st) };
    }
    case 'D': {
      const [[id]] = fields(1);
      return { type: 'done', id: int(id) };
    }
    default:
      throw bad(type, p);
  }
}

function streamOf(s: string | undefined, type: string, p: Buffer): 1 | 2 {
  if (s === '1') return 1;
  if (s === '2') return 2;
  throw bad(type, p);
}

function bad(type: string, p: Buffer): VigilError {
  return new VigilError(
    'VGL_E_IO',
    `agent launcher sent a malformed '${type}' frame: ${JSON.stringify(p.subarray(0, 80).toString('latin1'))}`,
  );
}

/** A raw wait status as the OS gives it: exit code, or the signal that ended the process. */
export function decodeWaitStatus(status: number): { exitCode: number | null; signo: number } {
  const signo = status & 0x7f;
  if (signo === 0) return { exitCode: (status >> 8) & 0xff, signo: 0 };
  return { exitCode: null, signo };
}
