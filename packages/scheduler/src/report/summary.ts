/**
 * The "Transition Summary" section: one line per fenced node, then one per resource instance that
 * changes, in configuration order. Layout follows crm_simulate's; padding is cosmetic.
 */
export type SummaryVerb =
  | 'Start'
  | 'Stop'
  | 'Move'
  | 'Recover'
  | 'Restart'
  | 'Migrate'
  | 'Promote'
  | 'Demote'
  | 'Reload'
  | 'Re-promote';

export type SummaryLine =
  | { kind: 'fence'; node: string; action: string; container?: string; reason: string }
  | { kind: 'resource'; verb: SummaryVerb; rsc: string; details: string; reason?: string };

export function formatSummaryLines(lines: readonly SummaryLine[]): string[] {
  const out: string[] = [];
  let idW = 0;
  let detW = 0;
  for (const l of lines) {
    if (l.kind === 'resource') {
      idW = Math.max(idW, l.rsc.length);
      detW = Math.max(detW, l.details.length);
    }
  }
  for (const l of lines) {
    if (l.kind === 'fence') {
      const who = l.container === undefined ? l.node : `${l.node} (resource: ${l.container})`;
      out.push(`  * Fence (${l.action}) ${who} '${l.reason}'`);
    } else {
      const reason = l.reason === undefined ? '' : `  ${l.reason}`;
      out.push(
        `  * ${l.verb.padEnd(10)} ${l.rsc.padEnd(idW)} ( ${l.details.padStart(detW)} )${reason}`,
      );
    }
  }
  return out;
}

/** Extracts the Transition Summary lines of a crm_simulate output. */
export function extractTransitionSummary(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith('Transition Summary:')) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (/^\S/.test(line)) break;
    out.push(line);
  }
  return out;
}

/** Normalises summary lines for comparison: all whitespace removed, blank lines dropped. */
export function normaliseSummary(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/\s+/g, '')).filter((l) => l !== '');
}

export function sameSummary(a: readonly string[], b: readonly string[]): boolean {
  const na = normaliseSummary(a);
  const nb = normaliseSummary(b);
  return na.length === nb.length && na.every((l, i) => l === nb[i]);
}
