import { VigilError } from '@vigil/base';
import type { PrimitiveDef } from '@vigil/controller';
import type { LocalAction } from './local-executor.js';

/**
 * An action as it travels from the DC to a node (the `act` message): the transition-graph
 * action's fields plus the primitive's definition. Everything from the wire is checked before
 * the node runs anything.
 */
export interface ActionMessageFields {
  readonly task: string;
  readonly primitive: PrimitiveDef;
  readonly rsc?: string;
  readonly intervalMs?: number;
  readonly role?: 'Promoted' | 'Unpromoted';
  readonly timeoutMs?: number;
  readonly meta?: Readonly<Record<string, string>>;
}

const TASK_RE = /^[a-z][a-z_-]{0,31}$/;
const RSC_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
const MAX_TIMEOUT_MS = 24 * 3600_000;

export function actionToMessage(a: LocalAction): ActionMessageFields {
  return {
    task: a.task,
    primitive: a.primitive,
    ...(a.rsc !== undefined ? { rsc: a.rsc } : {}),
    ...(a.intervalMs !== undefined ? { intervalMs: a.intervalMs } : {}),
    ...(a.role !== undefined ? { role: a.role } : {}),
    ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
    ...(a.meta !== undefined ? { meta: a.meta } : {}),
  };
}

function bad(what: string): never {
  throw new VigilError('VGL_E_INVALID_INPUT', `malformed action from the DC: ${what}`);
}

function strRecord(x: unknown, what: string): Record<string, string> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(`${what} is not a mapping`);
  for (const v of Object.values(x))
    if (typeof v !== 'string') bad(`${what} has a non-string value`);
  return x as Record<string, string>;
}

/** Checks an `act` message's fields and returns the action; VGL_E_INVALID_INPUT names the problem. */
export function actionFromMessage(m: Readonly<Record<string, unknown>>): LocalAction {
  if (typeof m.task !== 'string' || !TASK_RE.test(m.task)) bad(`task ${JSON.stringify(m.task)}`);
  const p = m.primitive as Partial<PrimitiveDef> | null | undefined;
  if (
    typeof p !== 'object' ||
    p === null ||
    p.kind !== 'primitive' ||
    typeof p.id !== 'string' ||
    typeof p.class !== 'string' ||
    typeof p.provider !== 'string' ||
    typeof p.type !== 'string'
  )
    bad('primitive is not a primitive definition');
  strRecord(p.params, 'primitive params');
  strRecord(p.meta, 'primitive meta');
  if (m.rsc !== undefined && (typeof m.rsc !== 'string' || !RSC_RE.test(m.rsc)))
    bad(`rsc ${JSON.stringify(m.rsc)}`);
  const num = (k: string, min: number, max: number): number | undefined => {
    const v = m[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      bad(`${k} ${JSON.stringify(v)}`);
    return v;
  };
  const intervalMs = num('intervalMs', 0, MAX_TIMEOUT_MS);
  const timeoutMs = num('timeoutMs', 1, MAX_TIMEOUT_MS);
  if (m.role !== undefined && m.role !== 'Promoted' && m.role !== 'Unpromoted')
    bad(`role ${JSON.stringify(m.role)}`);
  return {
    task: m.task,
    primitive: p as PrimitiveDef,
    ...(typeof m.rsc === 'string' ? { rsc: m.rsc } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(m.role !== undefined ? { role: m.role } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(m.meta !== undefined ? { meta: strRecord(m.meta, 'meta') } : {}),
  };
}
