/**
 * OCF return codes (OCF resource agent API 1.1, plus Pacemaker's 190/191 "degraded").
 * The executor reports the agent's rc unchanged; these names are for people and events.
 */
export const OCF_RC = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
} as const;

export type OcfRcName = keyof typeof OCF_RC;

const NAMES = new Map<number, OcfRcName>(
  Object.entries(OCF_RC).map(([k, v]) => [v, k as OcfRcName]),
);

/**
 * Executor-side outcomes that are not an agent's exit code. They use numbers no agent returns
 * (outside 0..255), so one `rc` field carries both.
 */
export const EXEC_RC = {
  /** The action was killed at its timeout. */
  TIMEOUT: 1001,
  /** The action was cancelled (recurring monitor cancelled, executor closed). */
  CANCELLED: 1002,
  /** The agent could not be run at all (missing file, not executable). */
  NOT_RUN: 1003,
  /** The agent was killed by a signal other than at its timeout. */
  SIGNALLED: 1004,
} as const;

/** Name of an rc: the OCF name, an executor outcome, or `UNKNOWN_<n>`. */
export function rcName(rc: number): string {
  const n = NAMES.get(rc);
  if (n) return n;
  for (const [k, v] of Object.entries(EXEC_RC)) if (v === rc) return k;
  return `UNKNOWN_${rc}`;
}

/** True for the rcs Pacemaker counts as success of a monitor that found the resource healthy. */
export function isRunningRc(rc: number): boolean {
  return (
    rc === OCF_RC.SUCCESS ||
    rc === OCF_RC.RUNNING_PROMOTED ||
    rc === OCF_RC.DEGRADED ||
    rc === OCF_RC.DEGRADED_PROMOTED
  );
}

/**
 * LSB init scripts: `status` has its own codes (0 running, 1 dead with pid file, 2 dead with
 * lock file, 3 not running, 4 unknown); every other action uses the same numbers as OCF.
 */
export function lsbStatusToOcf(rc: number): number {
  if (rc === 0) return OCF_RC.SUCCESS;
  if (rc === 1 || rc === 2 || rc === 3) return OCF_RC.NOT_RUNNING;
  return OCF_RC.ERR_GENERIC;
}
