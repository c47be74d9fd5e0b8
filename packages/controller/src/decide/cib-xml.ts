import { VigilError } from '@vigil/base';
import { durationSeconds, parseIsoDuration, readCib, writeCib } from '@vigil/cib';
import { cibFencing } from './cib-fencing.js';
import { asPcmkCib, checkedConfiguration } from './config-model.js';
import type { CibConfig } from './model.js';

/**
 * Pacemaker CIB XML ⇄ vigild's configuration, through `@vigil/cib`'s reader and writer. The
 * configuration section is kept whole (promotable clones, rules, resource sets, templates, tags,
 * defaults, utilization, alerts…); the status section of the file is ignored.
 *
 * Import refuses, naming each, what vigild cannot run (bundles, guest and remote nodes, fence
 * devices inside groups or clones, malformed fencing levels): nothing is half-applied. Fence
 * devices (class stonith) and the fencing topology are what the DC's fencer uses (see
 * `cib-fencing.ts`); whether the fencer accepts them is checked by the daemon before the change
 * is proposed.
 */
export function configFromCibXml(text: string): { config: CibConfig; warnings: string[] } {
  const { cib, warnings } = readCib(text);
  const config = checkedConfiguration(cib.configuration);
  const { problems } = cibFencing(config);
  if (problems.length > 0)
    throw new VigilError(
      'VGL_E_CIB_INVALID',
      `the CIB's fencing topology is malformed; nothing was changed:\n  ${problems.join('\n  ')}`,
      { problems },
    );
  return { config, warnings: warnings.map((w) => w.message) };
}

export function configToCibXml(config: CibConfig, configVersion: number): string {
  return writeCib(asPcmkCib(config, configVersion));
}

/** Pacemaker durations: `10`, `10s`, `500ms`, `2min`, `1h`, or ISO 8601 `PT10S`. */
export function durationMs(text: string): number {
  const t = text.trim();
  if (/^P/i.test(t)) {
    const d = parseIsoDuration(t);
    if (d === undefined) throw new VigilError('VGL_E_INVALID_INPUT', `'${text}' is not a duration`);
    return durationSeconds(d) * 1000;
  }
  const m = /^(\d+)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?$/i.exec(t);
  if (!m) throw new VigilError('VGL_E_INVALID_INPUT', `'${text}' is not a duration`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const mult: Record<string, number> = {
    ms: 1,
    msec: 1,
    us: 0.001,
    usec: 0.001,
    s: 1000,
    sec: 1000,
    m: 60_000,
    min: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
  };
  return Math.round(n * (mult[unit] ?? 1000));
}
