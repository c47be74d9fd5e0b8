import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS, VigilError, type ErrorCode, type ProcessRunner } from '@vigil/base';
import {
  encodeStdin,
  statusFromRc,
  type AgentAction,
  type PowerState,
  type StdinRequest,
} from './protocol.js';
import { parseFenceMetadata, type FenceAgentMetadata } from './metadata.js';

/** Where vigil's own fence agents live (`fence_vigil`): `packages/executor/agents/`. */
export const BUILTIN_AGENT_DIR = fileURLToPath(new URL('../../../agents/', import.meta.url));

/** Where fence agents are looked up, in order. */
export const DEFAULT_AGENT_DIRS: readonly string[] = ['/usr/sbin', BUILTIN_AGENT_DIR];

/**
 * The environment a fence agent gets, built from scratch. PCMK_service is not set, so the
 * agents keep their own timeouts as a second line; the fencer enforces its own regardless.
 */
export const AGENT_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
  LC_ALL: 'C',
};

/** Resolves `fence_NAME` in `dirs`, or checks an absolute path. VGL_E_NOT_FOUND when missing. */
export function resolveAgent(agent: string, dirs: readonly string[] = DEFAULT_AGENT_DIRS): string {
  const candidates = isAbsolute(agent)
    ? [agent]
    : /^fence_[A-Za-z0-9_-]+$/.test(agent)
      ? dirs.map((d) => join(d, agent))
      : [];
  if (candidates.length === 0) {
    throw new VigilError(
      'VGL_E_USAGE',
      `'${agent}' is not a fence agent name (fence_NAME) or an absolute path`,
      { agent },
    );
  }
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // try the next directory
    }
  }
  throw new VigilError(
    'VGL_E_NOT_FOUND',
    `fence agent ${agent} not found (looked in ${isAbsolute(agent) ? agent : dirs.join(', ')}); ` +
      'fence-agents provides /usr/sbin/fence_*',
    { agent },
  );
}

/** One run of one agent action. */
export interface AgentRun {
  readonly action: AgentAction;
  readonly rc: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  /** True when the agent did what was asked (rc 0; for status, rc 0 or 2). */
  readonly ok: boolean;
  /** For status: what the agent reported. */
  readonly power?: PowerState;
  /** Set when not ok: VGL_E_TIMEOUT or VGL_E_AGENT. */
  readonly code?: ErrorCode;
  /** One line: why it failed, or what it said. */
  readonly summary: string;
}

/**
 * Runs one agent action through the stdin protocol, as a process-group leader that is killed
 * with SIGKILL at `timeoutMs`.
 */
export async function runAgent(
  runner: ProcessRunner,
  path: string,
  req: StdinRequest,
  timeoutMs: number,
  abort?: AbortSignal,
): Promise<AgentRun> {
  const stdin = encodeStdin(req);
  const r = await runner.run(
    {
      command: path,
      args: [],
      env: AGENT_ENV,
      stdin,
      timeoutMs,
      maxOutputBytes: LIMITS.maxAgentOutputBytes,
    },
    abort,
  );
  const base = {
    action: req.action,
    rc: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    durationMs: r.durationMs,
    stdout: r.stdout,
    stderr: r.stderr,
    outputTruncated: r.outputTruncated,
  };
  const said = summarizeOutput(r.stdout, r.stderr);
  if (r.timedOut) {
    return {
      ...base,
      ok: false,
      code: 'VGL_E_TIMEOUT',
      summary: `${req.action} timed out after ${timeoutMs} ms; the agent's process group was killed`,
    };
  }
  if (req.action === 'status') {
    const power = statusFromRc(r.exitCode);
    if (power !== 'unknown') return { ...base, ok: true, power, summary: `status: ${power}` };
    return {
      ...base,
      ok: false,
      power,
      code: 'VGL_E_AGENT',
      summary: `status failed (${exitText(r.exitCode, r.signal)})${said ? `: ${said}` : ''}`,
    };
  }
  if (r.exitCode === 0) return { ...base, ok: true, summary: said || `${req.action}: ok` };
  return {
    ...base,
    ok: false,
    code: 'VGL_E_AGENT',
    summary: `${req.action} failed (${exitText(r.exitCode, r.signal)})${said ? `: ${said}` : ''}`,
  };
}

function exitText(rc: number | null, signal: string | null): string {
  return rc !== null ? `rc ${rc}` : `killed by ${signal ?? 'a signal'}`;
}

const LOG_PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ /;

/**
 * The agent's most telling line: the first `Failed:` line of stderr, else its last `ERROR` line, else the last
 * non-empty line of stdout, else of stderr. Timestamps are dropped; at most 300 characters.
 */
export function summarizeOutput(stdout: string, stderr: string): string {
  const lines = (s: string): string[] =>
    s
      .split('\n')
      .map((l) => l.replace(LOG_PREFIX, '').trim())
      .filter((l) => l !== '');
  const err = lines(stderr);
  const out = lines(stdout);
  const pick =
    err.find((l) => /failed:/i.test(l)) ??
    err.filter((l) => /error/i.test(l)).at(-1) ??
    out.at(-1) ??
    err.at(-1) ??
    '';
  return pick.length > 300 ? `${pick.slice(0, 297)}...` : pick;
}

/** Runs `metadata` and parses it. VGL_E_AGENT when the agent fails, VGL_E_PARSE when the XML is bad. */
export async function fetchMetadata(
  runner: ProcessRunner,
  path: string,
  timeoutMs: number,
): Promise<FenceAgentMetadata> {
  const run = await runAgent(runner, path, { action: 'metadata', params: {} }, timeoutMs);
  if (!run.ok) {
    throw new VigilError(run.code ?? 'VGL_E_AGENT', `${path}: meta-data: ${run.summary}`, {
      agent: path,
    });
  }
  return parseFenceMetadata(run.stdout, path);
}
