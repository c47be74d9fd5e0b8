/** Per-process CPU and memory figures from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/** CPU ticks from the text of /proc/PID/stat: self (utime+stime) and reaped children. */
export function cpuTicks(stat: string): { self: number; children: number } {
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after ")": state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
  const n = (i: number): number => {
    const v = Number(f[i]);
    if (!Number.isFinite(v)) throw new Error(`unreadable /proc stat field ${i}: ${stat}`);
    return v;
  };
  return { self: n(11) + n(12), children: n(13) + n(14) };
}

/** VmRSS of `pid` in MiB (0 when the process is gone). */
export function rssMib(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
