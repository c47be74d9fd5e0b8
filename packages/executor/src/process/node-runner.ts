import { spawn } from 'node:child_process';
import {
  VigilError,
  assert,
  type ProcessResult,
  type ProcessRunner,
  type ProcessSpec,
} from '@vigil/base';

/**
 * The real ProcessRunner.
 *
 * Contract (the conventions the real agents need, ../shared/reference/ocf-and-fence-conventions.md):
 * - the child leads its own process group; at `timeoutMs` the whole group gets SIGKILL;
 * - completion is the child's `exit` event, never pipe close (agents leave children holding
 *   stdout/stderr: IPaddr2's send_arp, a postgres server); output still in the pipes at exit
 *   is drained for at most PIPE_DRAIN_GRACE_MS;
 * - at most `maxOutputBytes` per stream are kept, and `outputTruncated` says so;
 * - the child is reaped by Node; nothing is left as a zombie;
 * - the environment is exactly `spec.env`: nothing is inherited.
 * An AbortSignal kills the group early and resolves with `timedOut: false` and the signal set.
 */
export class NodeProcessRunner implements ProcessRunner {
  run(spec: ProcessSpec, abort?: AbortSignal): Promise<ProcessResult> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd ?? '/',
        env: { ...spec.env },
        detached: true,
        // No stdin given: /dev/null, as agents expect (and one pipe fewer per action).
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const stdout = child.stdout;
      const stderr = child.stderr;
      assert(stdout !== null && stderr !== null, 'spawn with piped stdout and stderr');
      const out = new CappedText(spec.maxOutputBytes);
      const err = new CappedText(spec.maxOutputBytes);
      let timedOut = false;
      let settled = false;
      stdout.on('data', (d: Buffer) => out.push(d));
      stderr.on('data', (d: Buffer) => err.push(d));
      if (child.stdin) {
        child.stdin.on('error', () => undefined); // a child that exits without reading stdin
        child.stdin.end(spec.stdin ?? '');
      }

      const killGroup = (): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, spec.timeoutMs);
      const onAbort = (): void => killGroup();
      abort?.addEventListener('abort', onAbort, { once: true });

      child.on('error', (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        reject(
          new VigilError(
            'VGL_E_IO',
            `cannot run ${spec.command}: ${e.message}`,
            { command: spec.command },
            { cause: e },
          ),
        );
      });
      let ended = 0;
      let finish: (() => void) | undefined;
      const onEnd = (): void => {
        ended++;
        if (ended === 2) finish?.();
      };
      stdout.on('end', onEnd);
      stderr.on('end', onEnd);
      child.on('exit', (code, signal) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        const durationMs = performance.now() - t0;
        if (timedOut) killGroup(); // leftovers of a timed-out action die with it
        // 'exit' can come before the last output is read. Drain the pipes until they end, but
        // descendants may hold them open for their whole life: wait at most a short grace.
        let grace: NodeJS.Timeout | undefined;
        finish = (): void => {
          if (grace === undefined) return;
          clearTimeout(grace);
          grace = undefined;
          stdout.destroy();
          stderr.destroy();
          resolve({
            exitCode: code,
            signal,
            timedOut,
            stdout: out.text(),
            stderr: err.text(),
            outputTruncated: out.truncated || err.truncated,
            durationMs,
          });
        };
        grace = setTimeout(() => finish?.(), PIPE_DRAIN_GRACE_MS);
        if (ended === 2) finish();
      });
    });
  }
}

/**
 * After the child exits, how long to keep reading pipes that a descendant still holds, in ms.
 * Output already written before exit arrives well within it.
 */
export const PIPE_DRAIN_GRACE_MS = 200;

/** Collects at most `limitBytes` of a stream. */
export class CappedText {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(private readonly limitBytes: number) {}

  push(d: Buffer): void {
    const room = this.limitBytes - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const piece = d.length > room ? d.subarray(0, room) : d;
    if (piece.length < d.length) this.truncated = true;
    this.chunks.push(piece);
    this.bytes += piece.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
