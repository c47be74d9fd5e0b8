import { spawn } from 'node:child_process';
import { VigilError } from '@vigil/base';

export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly input?: string;
  /** Output kept per stream, in bytes; the rest is dropped. */
  readonly maxOutputBytes?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command as the leader of its own process group and waits for it to exit.
 * At `timeoutMs` the whole group gets SIGKILL. Completion is the `exit` event, so a child that
 * keeps the pipes open cannot hang a test.
 */
export function run(
  command: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunResult> {
  const maxOutputBytes = opts.maxOutputBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...opts.env } : process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < maxOutputBytes) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < maxOutputBytes) stderr += d.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new VigilError(
          'VGL_E_IO',
          `cannot run ${command}: ${e.message}`,
          { command },
          { cause: e },
        ),
      );
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Runs a command and throws, with its output, unless it exits 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunResult> {
  const r = await run(command, args, opts);
  if (r.code !== 0) {
    throw new VigilError(
      'VGL_E_IO',
      `${command} ${args.join(' ')} exited ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim()}`,
      { command, code: r.code },
    );
  }
  return r;
}

/** Sends `signal` to the process group led by `pid`; a group that is already gone is fine. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already exited
  }
}

/** True while a process with this pid exists (zombies included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
