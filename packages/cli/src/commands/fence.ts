import { VigilError } from '@vigil/base';
import {
  isAgentAction,
  parseFenceMetadata,
  parseListOutput,
  parseParamWords,
  resolveAgent,
  runAgent,
  NodeProcessRunner,
  AGENT_ACTIONS,
  type AgentRun,
} from '@vigil/executor';
import type { Command, Io } from '../command.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_TIMEOUT_MS = 24 * 3_600_000;
/** Lines of agent output shown after the outcome. */
const OUTPUT_LINES = 8;

interface ExecArgs {
  readonly agent: string;
  readonly action: string;
  readonly words: readonly string[];
  readonly timeoutMs: number;
  readonly json: boolean;
}

function parseExecArgs(args: readonly string[]): ExecArgs {
  const positional: string[] = [];
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--timeout' || a.startsWith('--timeout=')) {
      const v = a === '--timeout' ? args[++i] : a.slice('--timeout='.length);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) <= 0 || Number(v) > MAX_TIMEOUT_MS) {
        throw new VigilError(
          'VGL_E_USAGE',
          `--timeout needs a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got '${v ?? ''}'`,
        );
      }
      timeoutMs = Number(v);
    } else if (a.startsWith('--')) {
      throw new VigilError('VGL_E_USAGE', `unknown option ${a}`);
    } else positional.push(a);
  }
  const [agent, action, ...words] = positional;
  if (agent === undefined || action === undefined) {
    throw new VigilError('VGL_E_USAGE', `usage: ${fenceExecCommand.usage}`);
  }
  return { agent, action, words, timeoutMs, json };
}

function outputTail(run: AgentRun): string[] {
  const lines = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  return lines.length > OUTPUT_LINES
    ? [...lines.slice(0, OUTPUT_LINES - 1), `… (${lines.length - OUTPUT_LINES + 1} more lines)`]
    : lines;
}

function printMetadata(io: Io, xml: string, agent: string): void {
  const md = parseFenceMetadata(xml, agent);
  io.out(`${md.name}: ${md.shortdesc}\n`);
  io.out(`actions: ${md.actions.join(', ')}\n`);
  io.out(`parameters (${md.parameters.length}):\n`);
  const w = Math.max(4, ...md.parameters.map((p) => p.name.length));
  for (const p of md.parameters) {
    const flags = [p.required ? 'required' : '', p.deprecated ? 'deprecated' : '']
      .filter((f) => f !== '')
      .join(',');
    const def = p.default !== undefined && p.default !== '' ? ` [default ${p.default}]` : '';
    io.out(
      `  ${p.name.padEnd(w)}  ${p.type.padEnd(7)} ${flags ? `(${flags}) ` : ''}${p.shortdesc}${def}\n`,
    );
  }
}

export const fenceExecCommand: Command = {
  path: ['fence', 'exec'],
  usage: 'vigil fence exec AGENT ACTION [name=value …] [--timeout MS] [--json]',
  summary:
    'Run one fence agent action (off, on, reboot, status, monitor, list, metadata, validate-all) ' +
    'through the stdin protocol; prints the outcome, duration and what the agent said. Exit 0 on ' +
    'success (status: on or off), else the error code (VGL_E_AGENT, VGL_E_TIMEOUT, …).',
  async run(args, io) {
    const a = parseExecArgs(args);
    if (!isAgentAction(a.action)) {
      throw new VigilError(
        'VGL_E_USAGE',
        `'${a.action}' is not a fence action (${AGENT_ACTIONS.join(', ')})`,
      );
    }
    const params = parseParamWords(a.words);
    const { nodename } = params;
    delete params.nodename;
    if (Object.hasOwn(params, 'action')) {
      throw new VigilError('VGL_E_USAGE', 'give the action as ACTION, not as action=');
    }
    const path = resolveAgent(a.agent);
    const run = await runAgent(
      new NodeProcessRunner(),
      path,
      { action: a.action, params, ...(nodename !== undefined ? { nodename } : {}) },
      a.timeoutMs,
    );
    const ms = Math.round(run.durationMs);
    if (a.json) {
      io.out(
        JSON.stringify(
          {
            agent: path,
            action: a.action,
            ok: run.ok,
            rc: run.rc,
            signal: run.signal,
            timedOut: run.timedOut,
            durationMs: ms,
            ...(run.power !== undefined ? { power: run.power } : {}),
            ...(run.code !== undefined ? { code: run.code } : {}),
            summary: run.summary,
            stdout: run.stdout,
            stderr: run.stderr,
          },
          null,
          2,
        ) + '\n',
      );
    } else if (run.ok && a.action === 'metadata') {
      printMetadata(io, run.stdout, a.agent);
    } else {
      const rc = run.rc !== null ? `rc ${run.rc}` : `killed by ${run.signal ?? 'a signal'}`;
      const what =
        run.power !== undefined && run.ok
          ? run.power
          : run.ok
            ? 'ok'
            : run.timedOut
              ? 'timed out'
              : 'failed';
      io.out(`${a.agent} ${a.action}: ${what} (${rc}) in ${ms} ms\n`);
      if (run.ok && a.action === 'list') {
        for (const p of parseListOutput(run.stdout)) {
          io.out(`  ${p.plug}${p.alias !== undefined ? ` (${p.alias})` : ''}\n`);
        }
      } else {
        for (const l of outputTail(run)) io.out(`  | ${l}\n`);
      }
    }
    if (!run.ok) {
      throw new VigilError(run.code ?? 'VGL_E_AGENT', `${a.agent} ${a.action}: ${run.summary}`, {
        agent: path,
        rc: run.rc,
      });
    }
    return 0;
  },
};
