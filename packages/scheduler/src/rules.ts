import type { CibElement } from './cib-tree.js';
import { elementChildren } from './cib-tree.js';
import { addMonths, civilFromSeconds, secondsFromCivil } from './calendar.js';
import {
  evaluateExpression,
  parseIsoDate as parseCibDate,
  type AttributeExpression,
} from '@vigil/cib';

/**
 * Rule evaluation (Pacemaker Explained, "Rules"): node-attribute expressions, date expressions,
 * and nested rules combined with and/or. Dates are seconds since the epoch (UTC).
 */
export interface RuleContext {
  readonly nodeAttrs?: ReadonlyMap<string, string>;
  readonly nowSec: number;
  /** Resource and op attributes for rsc_expression / op_expression. */
  readonly rsc?: { cls: string; provider?: string; type: string };
  readonly op?: { name: string; intervalMs: number };
  /** Role for rules in location constraints with a role, ignored otherwise. */
  readonly params?: ReadonlyMap<string, string>;
  readonly meta?: ReadonlyMap<string, string>;
}

export function evalRule(rule: CibElement, ctx: RuleContext): boolean {
  const op = (rule.attrs['boolean-op'] ?? 'and').toLowerCase();
  const parts = elementChildren(rule);
  if (parts.length === 0) return true;
  const results = parts.map((p) => evalPart(p, ctx));
  return op === 'or' ? results.some(Boolean) : results.every(Boolean);
}

function evalPart(e: CibElement, ctx: RuleContext): boolean {
  switch (e.name) {
    case 'rule':
      return evalRule(e, ctx);
    case 'expression':
      return evalExpression(e, ctx);
    case 'date_expression':
      return evalDate(e, ctx.nowSec);
    case 'rsc_expression': {
      if (!ctx.rsc) return false;
      const a = e.attrs;
      if (a.class !== undefined && a.class !== ctx.rsc.cls) return false;
      if (a.provider !== undefined && a.provider !== ctx.rsc.provider) return false;
      if (a.type !== undefined && a.type !== ctx.rsc.type) return false;
      return true;
    }
    case 'op_expression': {
      if (!ctx.op) return false;
      if (e.attrs.name !== ctx.op.name) return false;
      const iv = e.attrs.interval;
      if (iv !== undefined && parseInterval(iv) !== ctx.op.intervalMs) return false;
      return true;
    }
    default:
      return false;
  }
}

/** A Map's entries as a record, converted once per map (node attributes are evaluated often). */
const asRecord = new WeakMap<ReadonlyMap<string, string>, Record<string, string>>();
function recordOf(m: ReadonlyMap<string, string> | undefined): Record<string, string> | undefined {
  if (m === undefined) return undefined;
  let r = asRecord.get(m);
  if (r === undefined) {
    r = Object.fromEntries(m);
    asRecord.set(m, r);
  }
  return r;
}

/**
 * A node-attribute expression, evaluated by `@vigil/cib`'s rules (checked against crm_simulate),
 * so the scheduler and the node side, which resolves parameters with them, never disagree.
 * A missing `operation` means `eq` here.
 */
function evalExpression(e: CibElement, ctx: RuleContext): boolean {
  const a = e.attrs;
  const x: AttributeExpression = {
    kind: 'expression',
    operation: a.operation ?? 'eq',
    ...(a.attribute === undefined ? {} : { attribute: a.attribute }),
    ...(a.value === undefined ? {} : { value: a.value }),
    ...(a.type === undefined ? {} : { type: a.type }),
    ...(a['value-source'] === undefined ? {} : { valueSource: a['value-source'] }),
  };
  const nodeAttributes = recordOf(ctx.nodeAttrs);
  const resourceParams = recordOf(ctx.params);
  const resourceMeta = recordOf(ctx.meta);
  return evaluateExpression(x, {
    ...(nodeAttributes === undefined ? {} : { nodeAttributes }),
    ...(resourceParams === undefined ? {} : { resourceParams }),
    ...(resourceMeta === undefined ? {} : { resourceMeta }),
  });
}

/**
 * Parses an ISO 8601 date-time (also `YYYY-MM-DD HH:MM:SS`) to epoch seconds; ordinal
 * (`2005-001`) and week (`2014-W02-3`) dates go to @vigil/cib's parser.
 */
export function parseIsoDate(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-?(?:\d{3}|W\d{2})(?:$|[-T ])/.test(t)) return parseCibDate(t);
  const m =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(
      t,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, tz] = m;
  let sec = secondsFromCivil(
    Number(y),
    Number(mo),
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    sec -= sign * offMin * 60;
  }
  return sec;
}

/** Adds an ISO 8601-ish duration element (years, months, weeks, days, hours, minutes, seconds attributes). */
function addDuration(startSec: number, d: CibElement): number {
  const num = (k: string): number => Number(d.attrs[k] ?? 0);
  const t = addMonths(startSec, num('years') * 12 + num('months'));
  return (
    t +
    (num('weeks') * 7 + num('days')) * 86400 +
    num('hours') * 3600 +
    num('minutes') * 60 +
    num('seconds')
  );
}

function inRange(v: number, spec: string | undefined): boolean {
  if (spec === undefined) return true;
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return v >= lo && v <= hi;
}

function evalDateSpec(spec: CibElement, nowSec: number): boolean {
  const c = civilFromSeconds(nowSec);
  const a = spec.attrs;
  return (
    inRange(c.year, a.years) &&
    inRange(c.month, a.months) &&
    inRange(c.day, a.monthdays) &&
    inRange(c.hour, a.hours) &&
    inRange(c.minute, a.minutes) &&
    inRange(c.second, a.seconds) &&
    inRange(c.yearday, a.yeardays) &&
    inRange(c.weekday, a.weekdays)
  );
}

function evalDate(e: CibElement, nowSec: number): boolean {
  const op = e.attrs.operation ?? 'in_range';
  const start = e.attrs.start === undefined ? undefined : parseIsoDate(e.attrs.start);
  let end = e.attrs.end === undefined ? undefined : parseIsoDate(e.attrs.end);
  switch (op) {
    case 'gt':
      return start !== undefined && nowSec > start;
    case 'lt':
      return end !== undefined && nowSec < end;
    case 'in_range': {
      const dur = elementChildren(e, 'duration')[0];
      if (end === undefined && dur && start !== undefined) end = addDuration(start, dur);
      if (start !== undefined && nowSec < start) return false;
      if (end !== undefined && nowSec > end) return false;
      return true;
    }
    case 'date_spec': {
      const spec = elementChildren(e, 'date_spec')[0];
      return spec ? evalDateSpec(spec, nowSec) : false;
    }
    default:
      return false;
  }
}

/** Parses an interval: plain seconds, `Ns`, `Nms`, `Nm`, `Nmin`, `Nh`, or ISO 8601 `PT…`. Returns ms. */
export function parseInterval(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim().toLowerCase();
  if (t === '') return 0;
  const iso = /^p(?:(\d+)d)?t?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (iso) {
    const [, d, h, m, s] = iso;
    return (
      (Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000
    );
  }
  const m = /^(\d+)\s*(ms|msec|s|sec|m|min|h|hr)?$/.exec(t);
  if (!m) return 0;
  const n = Number(m[1]);
  switch (m[2] ?? 's') {
    case 'ms':
    case 'msec':
      return n;
    case 'm':
    case 'min':
      return n * 60_000;
    case 'h':
    case 'hr':
      return n * 3_600_000;
    default:
      return n * 1000;
  }
}
