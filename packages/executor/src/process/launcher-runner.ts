import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  VigilError,
  assert,
  type ProcessResult,
  type ProcessRunner,
  type ProcessSpec,
} from '@vigil/base';
import {
  LAUNCHER_PROTOCOL_VERSION,
  LauncherFrameReader,
  decodeWaitStatus,
  encodeForget,
  encodeStart,
  type LauncherEvent,
} from './launcher-protocol.js';
import { CappedText, NodeProcessRunner, PIPE_DRAIN_GRACE_MS } from './node-runner.js';

/** The launcher script, shipped with the package (launcher/agent-launcher.pl). */
export const AGENT_LAUNCHER_SCRIPT = fileURLToPath(
  new URL('../../../launcher/agent-launcher.pl', import.meta.url),
);

/** Where perl is looked for when no path is given. */
export const PERL_CANDIDATES = ['/usr/bin/perl', '/usr/local/bin/perl', '/bin/perl'] as const;

/** A launcher that dies this many times within LAUNCHER_RESTART_WINDOW_MS is given up for good. */
export const LAUNCHER_MAX_RESTARTS = 3;
export const LAUNCHER_RESTART_WINDOW_MS = 60_000;
/** A launcher that has not said it is ready within this long is treated as dead. */
export const LAUNCHER_READY_TIMEOUT_MS = 10_000;

export interface LauncherRunnerOptions {
  /** perl to run the launcher with; default: the first of PERL_CANDIDATES that exists. */
  readonly perl?: string;
  /** Runs jobs when there is no perl or the launcher keeps dying. Default: NodeProcessRunner. */
  readonly fallback?: ProcessRunner;
  readonly log?: (line: string) => void;
  /** Extra environment for the launcher process itself (never passed on to jobs). */
  readonly launcherEnv?: Readonly<Record<string, string>>;
}

interface Job {
  readonly spec: ProcessSpec;
  readonly t0: number;
  readonly out: CappedText;
  readonly err: CappedText;
  readonly resolve: (r: ProcessResult) => void;
  readonly reject: (e: unknown) => void;
  readonly abort: AbortSignal | undefined;
  readonly onAbort: () => void;
  readonly timer: NodeJS.Timeout;
  pid: number | undefined;
  /** Kill the group as soon as the pid is known (a timeout or abort came first). */
  killWanted: boolean;
  timedOut: boolean;
  exit: { exitCode: number | null; signal: string | null; durationMs: number } | undefined;
  grace: NodeJS.Timeout | undefined;
}

type Launcher = {
  readonly child: ChildProcess;
  ready: boolean;
  readonly readyTimer: NodeJS.Timeout;
};

/**
 * The real ProcessRunner vigild uses: the same contract as NodeProcessRunner (own session and
 * process group, SIGKILL to the group at the timeout, completion at exit with a short drain,
 * capped output, exactly the given environment), but each agent is forked by a small perl
 * fork server instead of by vigild. Forking an 80 MiB Node process copies its page tables
 * (about 3 ms of system time); forking the 5 MiB launcher costs a fraction of that, and at
 * one monitor a second that was most of an idle node's CPU.
 *
 * Timeouts and aborts are enforced here, by killing the job's process group directly: they
 * work even if the launcher is stuck. If the launcher dies, running jobs are killed and fail
 * with VGL_E_IO; the next job starts a new launcher, and after LAUNCHER_MAX_RESTARTS deaths in
 * LAUNCHER_RESTART_WINDOW_MS (or with no perl at all) jobs go to the fallback runner.
 */
export class LauncherProcessRunner implements ProcessRunner {
  private launcher: Launcher | undefined;
  private readonly jobs = new Map<number, Job>();
  /** Jobs written before the launcher said ready, in case it never does. */
  private readonly unconfirmed = new Set<number>();
  private nextId = 1;
  private readonly deaths: number[] = [];
  private gaveUp: string | undefined;
  private closed = false;
  private readonly perl: string | undefined;
  private readonly fallback: ProcessRunner;
  private readonly log: (line: string) => void;
  private readonly launcherEnv: Readonly<Record<string, string>>;

  constructor(o: LauncherRunnerOptions = {}) {
    this.launcherEnv = o.launcherEnv ?? {};
    this.perl = o.perl ?? PERL_CANDIDATES.find((p) => existsSync(p));
    this.fallback = o.fallback ?? new NodeProcessRunner();
    this.log = o.log ?? (() => undefined);
    if (this.perl === undefined)
      this.giveUp('no perl found (looked in ' + PERL_CANDIDATES.join(', ') + ')');
  }

  /** Starts the launcher now rather than at the first job (while the caller is still small). */
  start(): void {
    if (this.gaveUp === undefined && !this.closed) this.ensureLauncher();
  }

  /** Which runner takes jobs now: 'launcher', or why not. */
  mode(): string {
    return this.gaveUp === undefined ? 'launcher' : `direct (${this.gaveUp})`;
  }

  /** The launcher's pid while it runs. */
  launcherPid(): number | undefined {
    return this.launcher?.child.pid;
  }

  run(spec: ProcessSpec, abort?: AbortSignal): Promise<ProcessResult> {
    if (this.gaveUp !== undefined || this.closed) return this.fallback.run(spec, abort);
    return new Promise((resolve, reject) => {
      const l = this.ensureLauncher();
      const id = this.nextId++;
      const frame = encodeStart({
        id,
        cwd: spec.cwd ?? '/',
        maxOutputBytes: spec.maxOutputBytes,
        command: spec.command,
        args: spec.args,
        env: spec.env,
        ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
      });
      const job: Job = {
        spec,
        t0: performance.now(),
        out: new CappedText(spec.maxOutputBytes),
        err: new CappedText(spec.maxOutputBytes),
        resolve,
        reject,
        abort,
        onAbort: () => this.kill(job),
        timer: setTimeout(() => {
          job.timedOut = true;
          this.kill(job);
        }, spec.timeoutMs),
        pid: undefined,
        killWanted: false,
        timedOut: false,
        exit: undefined,
        grace: undefined,
      };
      abort?.addEventListener('abort', job.onAbort, { once: true });
      this.jobs.set(id, job);
      if (!l.ready) this.unconfirmed.add(id);
      l.child.stdin?.write(frame);
    });
  }

  /** Ends the launcher (running jobs keep running, as after a vigild exit). */
  close(): void {
    this.closed = true;
    const l = this.launcher;
    this.launcher = undefined;
    l?.child.stdin?.end();
    if (l) clearTimeout(l.readyTimer);
  }

  private ensureLauncher(): Launcher {
    if (this.launcher) return this.launcher;
    assert(this.perl !== undefined, 'the launcher runs only with perl');
    const child = spawn(this.perl, [AGENT_LAUNCHER_SCRIPT], {
      cwd: '/',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', ...this.launcherEnv },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const l: Launcher = {
      child,
      ready: false,
      readyTimer: setTimeout(
        () => this.launcherDied(l, `not ready within ${LAUNCHER_READY_TIMEOUT_MS} ms`),
        LAUNCHER_READY_TIMEOUT_MS,
      ),
    };
    this.launcher = l;
    const reader = new LauncherFrameReader();
    child.stdin.on('error', () => undefined); // its death is handled at 'exit'/'error'
    child.stdout.on('data', (d: Buffer) => {
      if (this.launcher !== l) return;
      let events: LauncherEvent[];
      try {
        events = reader.push(d);
      } catch (e) {
        this.launcherDied(l, e instanceof Error ? e.message : String(e));
        return;
      }
      for (const ev of events) this.onEvent(l, ev);
    });
    child.on('error', (e) => this.launcherDied(l, `cannot run ${this.perl}: ${e.message}`));
    child.on('exit', (code, signal) =>
      this.launcherDied(l, `exited (${signal ?? `code ${code}`})`),
    );
    return l;
  }

  private onEvent(l: Launcher, ev: LauncherEvent): void {
    if (ev.type === 'ready') {
      if (ev.version !== LAUNCHER_PROTOCOL_VERSION) {
        this.launcherDied(l, `speaks protocol ${ev.version}, not ${LAUNCHER_PROTOCOL_VERSION}`);
        return;
      }
      l.ready = true;
      clearTimeout(l.readyTimer);
      this.unconfirmed.clear();
      return;
    }
    const job = this.jobs.get(ev.id);
    if (job === undefined) return; // forgotten after its grace: late output is dropped
    switch (ev.type) {
      case 'started':
        job.pid = ev.pid;
        if (job.killWanted) this.kill(job);
        return;
      case 'failed':
        this.settle(ev.id, job);
        job.reject(
          new VigilError('VGL_E_IO', `cannot run ${job.spec.command}: ${ev.text}`, {
            command: job.spec.command,
            errno: errnoName(ev.errno),
          }),
        );
        return;
      case 'output':
        (ev.stream === 1 ? job.out : job.err).push(ev.bytes);
        return;
      case 'capped':
        (ev.stream === 1 ? job.out : job.err).truncated = true;
        return;
      case 'exited': {
        const { exitCode, signo } = decodeWaitStatus(ev.waitStatus);
        job.exit = {
          exitCode,
          signal: signo === 0 ? null : signalName(signo),
          durationMs: performance.now() - job.t0,
        };
        clearTimeout(job.timer);
        if (job.timedOut) this.kill(job); // leftovers of a timed-out action die with it
        // Output written before exit may still be in the pipes; descendants may hold them open
        // for their whole life, so wait for the launcher's `done` at most a short grace.
        job.grace = setTimeout(() => {
          l.child.stdin?.write(encodeForget(ev.id));
          this.complete(ev.id, job);
        }, PIPE_DRAIN_GRACE_MS);
        return;
      }
      case 'done':
        if (job.exit !== undefined) this.complete(ev.id, job);
        return;
    }
  }

  private complete(id: number, job: Job): void {
    const exit = job.exit;
    assert(exit !== undefined, 'a job completes after its exit');
    this.settle(id, job);
    job.resolve({
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: job.timedOut,
      stdout: job.out.text(),
      stderr: job.err.text(),
      outputTruncated: job.out.truncated || job.err.truncated,
      durationMs: exit.durationMs,
    });
  }

  private settle(id: number, job: Job): void {
    this.jobs.delete(id);
    this.unconfirmed.delete(id);
    clearTimeout(job.timer);
    if (job.grace !== undefined) clearTimeout(job.grace);
    job.abort?.removeEventListener('abort', job.onAbort);
  }

  private kill(job: Job): void {
    if (job.pid === undefined) {
      job.killWanted = true;
      return;
    }
    try {
      process.kill(-job.pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }

  private launcherDied(l: Launcher, why: string): void {
    if (this.launcher !== l) return;
    this.launcher = undefined;
    clearTimeout(l.readyTimer);
    if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
    const neverStarted = !l.ready;
    const now = performance.now();
    this.deaths.push(now);
    while (this.deaths.length > 0 && now - (this.deaths[0] ?? now) > LAUNCHER_RESTART_WINDOW_MS)
      this.deaths.shift();
    if (neverStarted) this.giveUp(`the agent launcher ${why}`);
    else if (this.deaths.length >= LAUNCHER_MAX_RESTARTS)
      this.giveUp(
        `the agent launcher died ${this.deaths.length} times in ${LAUNCHER_RESTART_WINDOW_MS / 1000} s, last: ${why}`,
      );
    else this.log(`agent launcher ${why}; a new one starts with the next agent`);
    for (const [id, job] of [...this.jobs]) {
      if (this.unconfirmed.has(id)) {
        // Written to a launcher that never ran: nothing started, run it directly instead.
        this.settle(id, job);
        this.fallback.run(job.spec, job.abort).then(job.resolve, job.reject);
        continue;
      }
      if (job.exit !== undefined) {
        this.complete(id, job); // exited already: what was read is what there is
        continue;
      }
      this.kill(job);
      this.settle(id, job);
      job.reject(
        new VigilError(
          'VGL_E_IO',
          `the agent launcher ${why} while ${job.spec.command} ran` +
            (job.pid !== undefined ? ` (its process group ${job.pid} was killed)` : ''),
          { command: job.spec.command },
        ),
      );
    }
  }

  private giveUp(why: string): void {
    if (this.gaveUp !== undefined) return;
    this.gaveUp = why;
    this.log(`${why}: agents are forked by vigild itself from now on`);
  }
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name]),
);
const ERRNO_NAMES = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, n]) => [n, name]),
);

function signalName(signo: number): string {
  return SIGNAL_NAMES.get(signo) ?? `SIG${signo}`;
}

function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}
