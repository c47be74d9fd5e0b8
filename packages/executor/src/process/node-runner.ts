import { spawn } from 'node:child_process';
import { VigilError, type ProcessResult, type ProcessRunner, type ProcessSpec } from '@vigil/base';

/**
 * The real ProcessRunner.
 *
 * Contract (the conventions the real agents need, ../shared/reference/ocf-and-fence-conventions.md):
 * - the child leads its own process group; at `timeoutMs` the whole group gets SIGKILL;
 * - completion is the child's `exit` event, never pipe close (agents leave children holding
 *   stdout/stderr: IPaddr2's send_arp, a postgres server);
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
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out = new CappedText(spec.maxOutputBytes);
      const err = new CappedText(spec.maxOutputBytes);
      let timedOut = false;
      let settled = false;
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => undefined); // a child that exits without reading stdin
      child.stdin.end(spec.stdin ?? '');

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
      child.on('exit', (code, signal) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        // Descendants may still hold the pipes; stop reading them rather than wait.
        child.stdout.destroy();
        child.stderr.destroy();
        if (timedOut) killGroup(); // leftovers of a timed-out action die with it
        resolve({
          exitCode: code,
          signal,
          timedOut,
          stdout: out.text(),
          stderr: err.text(),
          outputTruncated: out.truncated || err.truncated,
          durationMs: performance.now() - t0,
        });
      });
    });
  }
}

/** Collects at most `limitBytes` of a stream. */
class CappedText {
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
