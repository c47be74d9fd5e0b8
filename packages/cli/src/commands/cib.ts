import { VigilError, isVigilError } from '@vigil/base';
import { formatIssue, type Cib, type CibIssue, type Resource } from '@vigil/cib';
import { readCibFile } from '@vigil/cib/io';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

function countResources(list: readonly Resource[]): number {
  let n = 0;
  for (const r of list) {
    n++;
    if (r.kind === 'group') n += r.children.length;
    else if (r.kind === 'clone') n += countResources([r.child]);
    else if (r.kind === 'bundle' && r.primitive) n++;
  }
  return n;
}

function summary(cib: Cib): Record<string, number> {
  const c = cib.configuration;
  return {
    epoch: cib.attributes.epoch,
    nodes: c.nodes.length,
    resources: countResources(c.resources),
    constraints: c.constraints.length,
    nodeStates: cib.status.nodeStates.length,
  };
}

function parseArgs(args: readonly string[]): { file: string; json: boolean } {
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--xml') file = args[++i];
    else if (a === '--json') json = true;
    else
      throw new VigilError(
        'VGL_E_USAGE',
        `unexpected argument '${a}'; usage: ${cibCheckCommand.usage}`,
      );
  }
  if (file === undefined)
    throw new VigilError('VGL_E_USAGE', `missing --xml FILE; usage: ${cibCheckCommand.usage}`);
  return { file, json };
}

export const cibCheckCommand: Command = {
  path: ['cib', 'check'],
  usage: 'vigil cib check --xml FILE [--json]',
  summary:
    'Validate a Pacemaker CIB XML file: every error and warning, each naming the element, its id and line.',
  async run(args, io) {
    const { file, json } = parseArgs(args);
    if (!json) {
      const { cib, warnings } = await readCibFile(file);
      const s = summary(cib);
      io.out(
        `${file}: valid CIB (epoch ${s['epoch']}, ${s['nodes']} nodes, ${s['resources']} resources, ` +
          `${s['constraints']} constraints, ${s['nodeStates']} node states)\n`,
      );
      for (const w of warnings) io.out(`warning: ${formatIssue(w)}\n`);
      return 0;
    }
    try {
      const { cib, warnings } = await readCibFile(file);
      io.out(
        JSON.stringify({ file, valid: true, ...summary(cib), errors: [], warnings }, null, 2) +
          '\n',
      );
      return 0;
    } catch (e) {
      if (!isVigilError(e) || (e.code !== 'VGL_E_CIB_INVALID' && e.code !== 'VGL_E_PARSE')) throw e;
      const errors: CibIssue[] =
        e.code === 'VGL_E_PARSE'
          ? [{ severity: 'error', tag: '', message: e.message, ...lineCol(e.details) }]
          : ((e.details['errors'] as CibIssue[] | undefined) ?? []);
      const warnings = (e.details['warnings'] as CibIssue[] | undefined) ?? [];
      io.out(
        JSON.stringify({ file, valid: false, code: e.code, errors, warnings }, null, 2) + '\n',
      );
      return e.exitCode;
    }
  },
};

function lineCol(d: Readonly<Record<string, unknown>>): { line?: number; col?: number } {
  const out: { line?: number; col?: number } = {};
  if (typeof d['line'] === 'number') out.line = d['line'];
  if (typeof d['col'] === 'number') out.col = d['col'];
  return out;
}

export const cibQueryCommand: Command = {
  path: ['cib', 'query'],
  usage: 'vigil cib query',
  summary:
    "Print the live cluster's CIB as Pacemaker XML, configuration and status, like cibadmin --query: crm_simulate -x FILE reads it.",
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    if (rest.length > 0)
      throw new VigilError(
        'VGL_E_USAGE',
        `unexpected argument '${rest[0]}'; usage: ${cibQueryCommand.usage}`,
      );
    const r = (await call(socket, 'cib-xml')) as { xml: string };
    io.out(r.xml.endsWith('\n') ? r.xml : `${r.xml}\n`);
    return 0;
  },
};
