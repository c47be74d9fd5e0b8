import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '@vigil/base';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Named in the timeout error, e.g. "node b to become leader". */
  readonly what: string;
}

/** Polls `probe` until it returns a value other than undefined/false, or the deadline passes. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() >= deadline) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new VigilError(
        'VGL_E_TIMEOUT',
        `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`,
      );
    }
    await sleep(opts.intervalMs ?? 20);
  }
}
