import { VigilError } from '@vigil/base';

/**
 * The fence-agent stdin protocol (fence-agents' doc/FenceAgentAPI.md, observed on Debian's
 * fence-agents 4.12): with no arguments an agent reads `name=value` lines from stdin; `#` starts a
 * comment, the last duplicate wins, and the agent strips each line and a pair of surrounding
 * double quotes from each value. So a value that would be changed by that treatment (a newline,
 * surrounding spaces, surrounding quotes) cannot be sent faithfully, and is refused here rather
 * than silently altered.
 */

/** Every action the fencer may ask of an agent. `metadata` and `validate-all` are informational. */
export const AGENT_ACTIONS = [
  'off',
  'on',
  'reboot',
  'status',
  'monitor',
  'list',
  'metadata',
  'validate-all',
] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];

export function isAgentAction(s: string): s is AgentAction {
  return (AGENT_ACTIONS as readonly string[]).includes(s);
}

/** Names the protocol reserves: the fencer sets them itself. */
export const RESERVED_PARAMS = ['action', 'nodename'] as const;

/** Most parameters one request may carry, and the longest value, in bytes. */
export const MAX_PARAMS = 128;
export const MAX_VALUE_BYTES = 4096;

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Throws VGL_E_INVALID_INPUT unless `name=value` survives the agent's parsing unchanged. */
export function checkParam(name: string, value: string): void {
  if (!NAME_RE.test(name)) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `fence parameter name '${name}' is invalid: use letters, digits, '_', '-' and '.', starting with a letter`,
      { name },
    );
  }
  if (/[\n\r\0]/.test(value)) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `fence parameter '${name}' contains a newline or NUL, which the stdin protocol cannot carry`,
      { name },
    );
  }
  if (value !== value.trim()) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `fence parameter '${name}' has leading or trailing white space, which fence agents strip`,
      { name },
    );
  }
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `fence parameter '${name}' is wrapped in double quotes, which fence agents strip`,
      { name },
    );
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw new VigilError(
      'VGL_E_LIMIT',
      `fence parameter '${name}' is longer than ${MAX_VALUE_BYTES} bytes`,
      { name },
    );
  }
}

export interface StdinRequest {
  readonly action: AgentAction;
  /** Device parameters, passed through as given (pcmk_* attributes already removed). */
  readonly params: Readonly<Record<string, string>>;
  /** The node being acted on, sent as `nodename=`. */
  readonly nodename?: string;
  /** The plug/port to act on, sent under `hostArgument` (usually `port` or `plug`). */
  readonly plug?: string;
  readonly hostArgument?: string;
}

/**
 * Encodes one request. Device parameters come first, then `nodename`, the plug and `action`, so
 * that (last duplicate wins) nothing in the device parameters can change what is asked.
 */
export function encodeStdin(req: StdinRequest): string {
  const entries = Object.entries(req.params);
  if (entries.length > MAX_PARAMS) {
    throw new VigilError('VGL_E_LIMIT', `more than ${MAX_PARAMS} fence parameters`, {
      count: entries.length,
    });
  }
  const lines: string[] = [];
  for (const [name, value] of entries) {
    if ((RESERVED_PARAMS as readonly string[]).includes(name)) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `fence parameter '${name}' is reserved: the fencer sets it`,
        { name },
      );
    }
    checkParam(name, value);
    lines.push(`${name}=${value}`);
  }
  if (req.nodename !== undefined) {
    checkParam('nodename', req.nodename);
    lines.push(`nodename=${req.nodename}`);
  }
  if (req.plug !== undefined) {
    const arg = req.hostArgument ?? 'port';
    checkParam(arg, req.plug);
    lines.push(`${arg}=${req.plug}`);
  }
  lines.push(`action=${req.action}`);
  return lines.join('\n') + '\n';
}

/**
 * Parses `name=value` words as typed on a command line (`vigil fence exec`). Each word must
 * contain `=` and a valid name; duplicates are refused (on a command line they are a mistake).
 */
export function parseParamWords(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) {
      throw new VigilError('VGL_E_USAGE', `expected name=value, got '${w}'`, { word: w });
    }
    const name = w.slice(0, eq);
    const value = w.slice(eq + 1);
    checkParam(name, value);
    if (Object.hasOwn(out, name)) {
      throw new VigilError('VGL_E_USAGE', `parameter '${name}' given twice`, { name });
    }
    out[name] = value;
  }
  return out;
}

/** One line of a `list` answer: `plug[,alias]`. */
export interface ListedPlug {
  readonly plug: string;
  readonly alias?: string;
}

/**
 * Parses the output of the `list` action: one outlet per line, `plug,alias` or just `plug`
 * (fence-agents prints `plug,alias` with an empty alias when there is none). Blank lines are
 * skipped; the count is bounded.
 */
export function parseListOutput(stdout: string, maxPlugs = 4096): ListedPlug[] {
  const out: ListedPlug[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (out.length >= maxPlugs) {
      throw new VigilError('VGL_E_LIMIT', `fence agent listed more than ${maxPlugs} plugs`);
    }
    const comma = line.indexOf(',');
    if (comma < 0) {
      out.push({ plug: line });
      continue;
    }
    const plug = line.slice(0, comma).trim();
    const alias = line.slice(comma + 1).trim();
    if (plug === '') continue;
    out.push(alias === '' ? { plug } : { plug, alias });
  }
  return out;
}

/** What `status` answered, per the fence API: rc 0 is on, rc 2 is off, anything else unknown. */
export type PowerState = 'on' | 'off' | 'unknown';

export function statusFromRc(rc: number | null): PowerState {
  if (rc === 0) return 'on';
  if (rc === 2) return 'off';
  return 'unknown';
}
