import { VigilError } from '@vigil/base';
import { readCibFile } from '@vigil/cib/io';
import { explain, parseIsoDate, schedule, simulateText, type Transition } from '@vigil/scheduler';
import type { Command } from '../command.js';

interface Parsed {
  xml: string;
  time?: string;
  flags: Set<string>;
  positional: string[];
}

function parseArgs(args: readonly string[], usage: string, allowed: readonly string[]): Parsed {
  let xml: string | undefined;
  let time: string | undefined;
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--xml' || a === '-x') {
      xml = args[++i];
      if (xml === undefined)
        throw new VigilError('VGL_E_USAGE', `--xml needs a file; usage: ${usage}`);
    } else if (a === '--time' || a === '-t') {
      time = args[++i];
      if (time === undefined)
        throw new VigilError('VGL_E_USAGE', `--time needs an ISO 8601 date; usage: ${usage}`);
    } else if (a.startsWith('--')) {
      if (!allowed.includes(a))
        throw new VigilError('VGL_E_USAGE', `unknown option ${a}; usage: ${usage}`);
      flags.add(a);
    } else positional.push(a);
  }
  if (xml === undefined)
    throw new VigilError('VGL_E_USAGE', `--xml FILE is required; usage: ${usage}`);
  return { xml, flags, positional, ...(time === undefined ? {} : { time }) };
}

function formatUtc(sec: number): string {
  return new Date(sec * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Reads the CIB and schedules it. Time: --time, else the CIB's execution-date, else now (read here, never in the scheduler). */
async function run(p: Parsed): Promise<{ t: Transition; preamble: string[] }> {
  const { cib } = await readCibFile(p.xml);
  const preamble: string[] = [];
  let nowSec: number;
  if (p.time !== undefined) {
    const parsed = parseIsoDate(p.time);
    if (parsed === undefined)
      throw new VigilError('VGL_E_USAGE', `--time ${p.time}: not an ISO 8601 date-time`);
    nowSec = parsed;
    preamble.push(`Setting effective cluster time: ${formatUtc(nowSec)}`);
  } else {
    const exec = cib.attributes.executionDate;
    if (exec !== undefined) {
      nowSec = exec;
      preamble.push(`Using the original execution date of: ${formatUtc(nowSec)}`);
    } else nowSec = Math.floor(Date.now() / 1000);
  }
  return { t: schedule({ cib, nowSec }), preamble };
}

const SIMULATE_USAGE = 'vigil simulate --xml FILE [--show-scores] [--json] [--time ISO8601]';

export const simulateCommand: Command = {
  path: ['simulate'],
  usage: SIMULATE_USAGE,
  summary:
    'Run the scheduler on a CIB file and print what it would do, like crm_simulate -S (--json: the transition graph).',
  async run(args, io) {
    const p = parseArgs(args, SIMULATE_USAGE, ['--show-scores', '--json']);
    const { t, preamble } = await run(p);
    if (p.flags.has('--json')) {
      io.out(
        JSON.stringify(
          {
            summary: t.summary,
            actions: t.graph.actions,
            edges: t.graph.edges,
            placements: [...t.actions.plans.values()].map((pl) => ({
              rsc: pl.rsc.id,
              current: pl.current,
              next: pl.next,
              role: pl.nextRole,
              ...(pl.blocked === undefined ? {} : { blocked: pl.blocked }),
              ...(pl.restart === undefined ? {} : { restart: pl.restart }),
              scores: Object.fromEntries(pl.rsc.finalScores ?? pl.rsc.allowed),
            })),
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    io.out(simulateText(t, { showScores: p.flags.has('--show-scores'), preamble }));
    return 0;
  },
};

const EXPLAIN_USAGE = 'vigil explain --xml FILE RSC [--time ISO8601] [--json]';

export const explainCommand: Command = {
  path: ['explain'],
  usage: EXPLAIN_USAGE,
  summary: 'Explain in plain sentences why a resource is placed where it is, or why it is stopped.',
  async run(args, io) {
    const p = parseArgs(args, EXPLAIN_USAGE, ['--json']);
    const rsc = p.positional[0];
    if (rsc === undefined || p.positional.length > 1)
      throw new VigilError('VGL_E_USAGE', `name one resource; usage: ${EXPLAIN_USAGE}`);
    const { t } = await run(p);
    const e = explain(t, rsc);
    if (!e) throw new VigilError('VGL_E_NOT_FOUND', `no resource ${rsc} in ${p.xml}`, { rsc });
    if (p.flags.has('--json')) io.out(JSON.stringify(e, null, 2) + '\n');
    else io.out(e.text);
    return 0;
  },
};
