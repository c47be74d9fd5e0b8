/**
 * Resource roles. Pacemaker 2.1 renamed Master/Slave to Promoted/Unpromoted and accepts both in
 * the configuration; vigil normalises to the new names.
 */
export type Role = 'Unknown' | 'Stopped' | 'Started' | 'Unpromoted' | 'Promoted';

/** The role a configuration string names (case-insensitive; Master/Slave accepted), or undefined. */
export function normalizeRole(s: string | undefined): Role | undefined {
  if (s === undefined) return undefined;
  switch (s.trim().toLowerCase()) {
    case 'stopped':
      return 'Stopped';
    case 'started':
      return 'Started';
    case 'unpromoted':
    case 'slave':
      return 'Unpromoted';
    case 'promoted':
    case 'master':
      return 'Promoted';
    case 'unknown':
      return 'Unknown';
    default:
      return undefined;
  }
}
