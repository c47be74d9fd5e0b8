/**
 * Rule evaluation (Pacemaker Explained, "Rules"), pure: everything it depends on, the time
 * included, comes in the context.
 *
 * - A rule passes when all (`boolean-op="and"`, the default) or any (`or`) of its expressions
 *   pass. A rule with no expressions passes.
 * - `expression`: compares a node attribute with a value. The comparison type defaults to
 *   `integer` for lt/gt/lte/gte (`number` if either value has a decimal point) and `string`
 *   otherwise; if a numeric parse fails the values are compared as strings. `integer` truncates.
 *   `version` compares dot-separated numeric parts. String comparison ignores case.
 *   With a missing attribute (or missing param/meta value) only `ne` and `not_defined` pass.
 * - `date_expression`: `gt` (now after start), `lt` (now before end), `in_range` (start ≤ now ≤
 *   end, end may be start + duration), `date_spec` (every given field matches, ranges `a-b`
 *   inclusive). Needs `ctx.now`; without it date expressions fail.
 * - `rsc_expression` / `op_expression`: match the resource agent / operation in the context;
 *   they fail when the context has none.
 * - A rule's `role` restricts it to that resource role when `ctx.role` is given.
 */
import type {
  AttributeExpression,
  DateExpression,
  DateFields,
  OpExpression,
  RscExpression,
  Rule,
  RuleExpression,
} from './model/types.js';
import { normalizeRole } from './roles.js';
import { scoreValue, type HealthScores, DEFAULT_HEALTH_SCORES } from './scores.js';
import {
  addDuration,
  calendarOf,
  parseIntervalMs,
  parseIsoDate,
  ZERO_DURATION,
  type CalendarFields,
  type Duration,
} from './time.js';

export interface RuleContext {
  /** Seconds since the epoch: the scheduler's effective time. */
  now?: number;
  /** Node attributes, built-ins included (`#uname`, `#id`, `#kind`, `#is_dc`, `#cluster-name`…). */
  nodeAttributes?: Readonly<Record<string, string>>;
  /** For `value-source="param"`. */
  resourceParams?: Readonly<Record<string, string>>;
  /** For `value-source="meta"`. */
  resourceMeta?: Readonly<Record<string, string>>;
  /** For `rsc_expression`. */
  resource?: { class?: string; provider?: string; type?: string };
  /** For `op_expression`. */
  op?: { name: string; intervalMs: number };
  /** The resource role, for rules with `role`. */
  role?: string;
  /** Resolves `id-ref` on rules and expressions (see `CibIndex`). */
  resolve?: (id: string) => Rule | RuleExpression | undefined;
}

/** Most nested rules followed (an id-ref loop otherwise recurses forever). */
const MAX_RULE_DEPTH = 32;

export function evaluateRule(rule: Rule, ctx: RuleContext, depth = 0): boolean {
  if (depth > MAX_RULE_DEPTH) return false;
  const r = rule.idRef !== undefined ? ctx.resolve?.(rule.idRef) : rule;
  if (r?.kind !== 'rule') return false;
  if (r.role !== undefined && ctx.role !== undefined) {
    if (normalizeRole(r.role) !== normalizeRole(ctx.role)) return false;
  }
  if (r.expressions.length === 0) return true;
  const any = r.booleanOp?.toLowerCase() === 'or';
  for (const x of r.expressions) {
    const ok = evaluateExpression(x, ctx, depth + 1);
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return !any;
}

export function evaluateExpression(x: RuleExpression, ctx: RuleContext, depth = 0): boolean {
  if (depth > MAX_RULE_DEPTH) return false;
  if (x.kind === 'rule') return evaluateRule(x, ctx, depth);
  let e: RuleExpression | undefined = x;
  if (x.idRef !== undefined) {
    e = ctx.resolve?.(x.idRef);
    if (e === undefined || e.kind !== x.kind) return false;
  }
  switch (e.kind) {
    case 'expression':
      return attributeExpression(e, ctx);
    case 'date_expression':
      return ctx.now !== undefined && dateExpression(e, ctx.now);
    case 'rsc_expression':
      return rscExpression(e, ctx);
    case 'op_expression':
      return opExpression(e, ctx);
  }
}

// ------------------------------------------------------------------ attribute expressions

function attributeExpression(e: AttributeExpression, ctx: RuleContext): boolean {
  const op = (e.operation ?? '').toLowerCase();
  const actual = e.attribute === undefined ? undefined : ctx.nodeAttributes?.[e.attribute];
  if (op === 'defined') return actual !== undefined;
  if (op === 'not_defined') return actual === undefined;
  let expected: string | undefined = e.value;
  const source = (e.valueSource ?? 'literal').toLowerCase();
  if (source === 'param')
    expected = e.value === undefined ? undefined : ctx.resourceParams?.[e.value];
  else if (source === 'meta')
    expected = e.value === undefined ? undefined : ctx.resourceMeta?.[e.value];
  if (actual === undefined || expected === undefined) return op === 'ne';
  const cmp = compareValues(actual, expected, e.type, op);
  switch (op) {
    case 'lt':
      return cmp < 0;
    case 'gt':
      return cmp > 0;
    case 'lte':
      return cmp <= 0;
    case 'gte':
      return cmp >= 0;
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    default:
      return false;
  }
}

const INTEGER_RE = /^\s*[+-]?\d+(\.\d*)?\s*$/;
const NUMBER_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = compareNumbers(pa[i] ?? 0, pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Compares two expression values with Pacemaker's typing rules (see the module comment). */
export function compareValues(
  a: string,
  b: string,
  type: string | undefined,
  operation: string,
): number {
  let t = type?.toLowerCase();
  if (t === undefined) {
    if (['lt', 'gt', 'lte', 'gte'].includes(operation))
      t = a.includes('.') || b.includes('.') ? 'number' : 'integer';
    else t = 'string';
  }
  switch (t) {
    case 'integer':
      if (INTEGER_RE.test(a) && INTEGER_RE.test(b)) {
        return compareNumbers(Math.trunc(Number.parseFloat(a)), Math.trunc(Number.parseFloat(b)));
      }
      return compareStrings(a, b);
    case 'number':
      if (NUMBER_RE.test(a) && NUMBER_RE.test(b)) return compareNumbers(Number(a), Number(b));
      return compareStrings(a, b);
    case 'version':
      return compareVersions(a, b);
    default:
      return compareStrings(a, b);
  }
}

// ------------------------------------------------------------------ date expressions

function durationOf(f: DateFields): Duration {
  const n = (v: string | undefined): number => (v === undefined ? 0 : Number.parseInt(v, 10) || 0);
  return {
    ...ZERO_DURATION,
    years: n(f.years),
    months: n(f.months),
    weeks: n(f.weeks),
    days: n(f.days),
    hours: n(f.hours),
    minutes: n(f.minutes),
    seconds: n(f.seconds),
  };
}

/** Whether `value` matches a date_spec field: `N` or `A-B` (inclusive); `A-` and `-B` open. */
export function matchesRange(spec: string | undefined, value: number): boolean {
  if (spec === undefined) return true;
  const m = /^\s*(\d*)\s*(-\s*(\d*))?\s*$/.exec(spec);
  if (m === null) return false;
  const lo = m[1] === '' ? -Infinity : Number(m[1]);
  if (m[2] === undefined) return value === lo;
  const hi = m[3] === '' ? Infinity : Number(m[3]);
  return value >= lo && value <= hi;
}

/** Whether the calendar fields of a time match a date_spec (moon phase is not supported). */
export function matchesDateSpec(spec: DateFields, c: CalendarFields): boolean {
  if (spec.moon !== undefined) return false;
  return (
    matchesRange(spec.years, c.year) &&
    matchesRange(spec.months, c.month) &&
    matchesRange(spec.monthdays, c.monthday) &&
    matchesRange(spec.hours, c.hour) &&
    matchesRange(spec.minutes, c.minute) &&
    matchesRange(spec.seconds, c.second) &&
    matchesRange(spec.yeardays, c.yearday) &&
    matchesRange(spec.weekdays, c.weekday) &&
    matchesRange(spec.weeks, c.week) &&
    matchesRange(spec.weekyears, c.weekyear)
  );
}

function dateExpression(e: DateExpression, now: number): boolean {
  const start = e.start === undefined ? undefined : parseIsoDate(e.start);
  let end = e.end === undefined ? undefined : parseIsoDate(e.end);
  if (
    (e.start !== undefined && start === undefined) ||
    (e.end !== undefined && end === undefined)
  ) {
    return false;
  }
  switch ((e.operation ?? 'in_range').toLowerCase()) {
    case 'gt':
      return start !== undefined && now > start;
    case 'lt':
      return end !== undefined && now < end;
    case 'in_range':
      if (end === undefined && start !== undefined && e.duration !== undefined) {
        end = addDuration(start, durationOf(e.duration));
      }
      if (start === undefined && end === undefined) return false;
      return (start === undefined || now >= start) && (end === undefined || now <= end);
    case 'date_spec':
      return e.dateSpec !== undefined && matchesDateSpec(e.dateSpec, calendarOf(now));
    default:
      return false;
  }
}

// ------------------------------------------------------------------ resource and op expressions

function rscExpression(e: RscExpression, ctx: RuleContext): boolean {
  const r = ctx.resource;
  if (r === undefined) return false;
  return (
    (e.class === undefined || e.class === r.class) &&
    (e.provider === undefined || e.provider === r.provider) &&
    (e.type === undefined || e.type === r.type)
  );
}

function opExpression(e: OpExpression, ctx: RuleContext): boolean {
  const o = ctx.op;
  if (o === undefined || e.name === undefined || e.name !== o.name) return false;
  if (e.interval === undefined) return true;
  return parseIntervalMs(e.interval) === o.intervalMs;
}

// ------------------------------------------------------------------ scores of rules

/**
 * The score a passing location rule contributes: its `score`, or the value of the node
 * attribute named by `score-attribute` (undefined when that attribute is missing or not a score).
 */
export function ruleScore(
  rule: Rule,
  ctx: RuleContext,
  health: HealthScores = DEFAULT_HEALTH_SCORES,
): number | undefined {
  if (rule.score !== undefined) return scoreValue(rule.score, health);
  if (rule.scoreAttribute !== undefined) {
    const v = ctx.nodeAttributes?.[rule.scoreAttribute];
    return v === undefined ? undefined : scoreValue(v, health);
  }
  return 0;
}
