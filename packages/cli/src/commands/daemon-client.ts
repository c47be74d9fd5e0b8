import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VigilError } from '@vigil/base';
import { callDaemon } from '@vigil/daemon';

/** Where the demo keeps its cluster (relative to the current directory). */
export const DEMO_DIR = '.vigil-demo';

/**
 * Pulls `--socket PATH` out of args and finds the local daemon's socket: --socket, then
 * $VIGIL_SOCKET, then a running demo cluster in ./.vigil-demo (its first node that answers).
 */
export function takeSocket(args: readonly string[]): {
  socket: string | undefined;
  rest: string[];
} {
  const rest: string[] = [];
  let socket: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--socket') {
      socket = args[++i];
      if (socket === undefined) throw new VigilError('VGL_E_USAGE', '--socket needs a path');
    } else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else rest.push(a);
  }
  return { socket: socket ?? process.env.VIGIL_SOCKET, rest };
}

function demoSockets(): string[] {
  const dir = resolve(DEMO_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sock'))
    .sort()
    .map((f) => join(dir, f));
}

/** Calls the local daemon; with no socket given, tries the demo cluster's nodes in turn. */
export async function call(
  socket: string | undefined,
  method: string,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  if (socket !== undefined) return callDaemon(socket, method, params);
  const socks = demoSockets();
  if (socks.length === 0)
    throw new VigilError(
      'VGL_E_UNAVAILABLE',
      'no vigild to talk to: pass --socket PATH or set VIGIL_SOCKET (or start `vigil demo` in this directory)',
    );
  let last: unknown;
  for (const s of socks) {
    try {
      return await callDaemon(s, method, params);
    } catch (e) {
      last = e;
      if (!(e instanceof VigilError) || e.code !== 'VGL_E_UNAVAILABLE') throw e;
    }
  }
  throw last;
}

/** Splits `name=value` words; throws VGL_E_USAGE naming a word without `=`. */
export function nameValues(words: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new VigilError('VGL_E_USAGE', `${what}: '${w}' is not name=value`);
    out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** Parses a duration: `10s`, `500ms`, `2m`, or a bare number of seconds. */
export function parseDurationMs(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m)
    throw new VigilError('VGL_E_USAGE', `${what}: '${s}' is not a duration like 10s or 500ms`);
  const n = Number(m[1]);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms'];
  return Math.round(n * mult);
}
