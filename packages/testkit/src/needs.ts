import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Environment requirements of a real test. Locally a missing requirement skips the test with a
 * reason; under CI (`VIGIL_REQUIRE_ALL=1`, set by .ci/run) it fails instead, so CI can never go
 * green by skipping.
 */
export type Requirement = 'root' | `cmd:${string}` | `file:${string}`;

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function missing(req: Requirement): string | undefined {
  if (req === 'root') return process.getuid?.() === 0 ? undefined : 'needs root';
  if (req.startsWith('cmd:')) {
    const cmd = req.slice(4);
    return which(cmd) ? undefined : `needs command ${cmd}`;
  }
  const path = req.slice(5);
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch {
    return `needs file ${path}`;
  }
}

/**
 * Returns `{ skip: reason }` for node:test when a requirement is missing, `{}` when all are met.
 * Throws under VIGIL_REQUIRE_ALL=1.
 */
export function needs(...reqs: Requirement[]): { skip?: string } {
  const why = reqs.map(missing).filter((m): m is string => m !== undefined);
  if (why.length === 0) return {};
  const reason = why.join(', ');
  if (process.env.VIGIL_REQUIRE_ALL === '1') {
    throw new Error(`test requirement missing under VIGIL_REQUIRE_ALL=1: ${reason}`);
  }
  return { skip: reason };
}
