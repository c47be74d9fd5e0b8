// Runs Debian's `crm_simulate -x FILE -R` under `/usr/bin/time -v` with a wall-time cap, and
// measures its wall time and peak RSS. At the cap only crm_simulate itself is killed, so
// /usr/bin/time still reports the peak RSS it reached.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CrmResult {
  readonly wallMs: number;
  /** Killed at the cap: wallMs is a lower bound and there is no summary. */
  readonly capped: boolean;
  readonly peakRssMiB: number;
  /** User + system CPU time from /usr/bin/time (NaN if it did not report). */
  readonly cpuMs: number;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderrTail: string;
}

/** Largest crm_simulate output kept, in characters (a 32×4000 status listing is a few MB). */
const MAX_OUTPUT_CHARS = 256 * 1024 * 1024;
const POLL_MS = 250;

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** VmHWM (peak RSS) of a live process, KiB, or 0. */
function vmHwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function crmSimulate(file: string, capMs: number): Promise<CrmResult> {
  const shadow = mkdtempSync(join(tmpdir(), 'vigil-bench-shadow-'));
  const env = { ...process.env, LC_ALL: 'C', CIB_shadow_dir: shadow };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-v', 'crm_simulate', '-x', file, '-R'], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    let outChars = 0;
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (outChars < MAX_OUTPUT_CHARS) out.push(d);
      outChars += d.length;
    });
    child.stderr.on('data', (d: string) => {
      err = (err + d).slice(-64 * 1024);
    });
    let capped = false;
    let polledHwmKiB = 0;
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      for (const p of childPids(child.pid)) polledHwmKiB = Math.max(polledHwmKiB, vmHwmKiB(p));
      if (!capped && performance.now() - t0 >= capMs) {
        capped = true;
        for (const p of childPids(child.pid)) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
    }, POLL_MS);
    // A last resort if /usr/bin/time itself hangs after the kill.
    const hard = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, capMs + 60_000);
    child.on('error', (e) => {
      clearInterval(poll);
      clearTimeout(hard);
      rmSync(shadow, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      clearInterval(poll);
      clearTimeout(hard);
      rmSync(shadow, { recursive: true, force: true });
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const timeKiB = m ? Number(m[1]) : 0;
      const user = /User time \(seconds\): ([\d.]+)/.exec(err);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(err);
      const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : Number.NaN;
      resolve({
        wallMs: capped ? Math.max(wallMs, capMs) : wallMs,
        capped,
        peakRssMiB: Math.max(timeKiB, polledHwmKiB) / 1024,
        cpuMs,
        exitCode: code,
        stdout: out.join(''),
        stderrTail: err.slice(-2000),
      });
    });
  });
}
