import { dirname } from 'node:path';
import { run } from './process.js';

/** What Pacemaker's scheduler (Debian's crm_simulate) would do with a CIB file. */
export interface PacemakerPlan {
  /** crm_simulate's view of the cluster as the file has it ("Current cluster status"). */
  readonly current: string;
  /** The "Transition Summary" lines: starts, stops, moves, promotions; '' when none. */
  readonly changes: string;
  /** The "Executing Cluster Transition" lines, monitors included; '' when none. */
  readonly actions: string;
  readonly stdout: string;
}

/**
 * Runs `crm_simulate -x FILE -S` and splits its output. Throws, with the output, when it fails
 * or prints no transition. Callers check `needs('cmd:crm_simulate')` first.
 */
export async function pacemakerPlan(file: string, timeoutMs = 60_000): Promise<PacemakerPlan> {
  const r = await run('crm_simulate', ['-x', file, '-S'], {
    timeoutMs,
    // Any shadow CIB it writes goes next to the file, not to the system's CIB directory.
    env: { ...process.env, LC_ALL: 'C', CIB_shadow_dir: dirname(file) },
  });
  const m =
    /Transition Summary:\n([\s\S]*?)\nExecuting Cluster Transition:\n([\s\S]*?)Revised Cluster Status:/.exec(
      r.stdout,
    );
  if (r.code !== 0 || !m)
    throw new Error(`crm_simulate -x ${file} -S exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return {
    current: r.stdout.slice(0, r.stdout.indexOf('Transition Summary')),
    changes: m[1]!.trim(),
    actions: m[2]!.trim(),
    stdout: r.stdout,
  };
}
