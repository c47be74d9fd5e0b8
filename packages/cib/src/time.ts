/**
 * Dates, durations and intervals as Pacemaker writes them, in pure integer arithmetic
 * (no `Date`: the package is a pure core and takes "now" as an input).
 *
 * Times are seconds since the Unix epoch, UTC. Calendar fields follow ISO 8601: weekdays are
 * 1 (Monday) to 7 (Sunday); ISO weeks start on Monday and week 1 holds the year's first Thursday.
 */

const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day count since 1970-01-01 (a Thursday). */
function weekdayOfDays(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Days since the epoch of Monday of ISO week 1 of `weekYear`. */
function isoWeekOneMonday(weekYear: number): number {
  const jan4 = daysFromCivil(weekYear, 1, 4);
  return jan4 - (weekdayOfDays(jan4) - 1);
}

/** Calendar fields of a UTC time, as date_spec matches them. */
export interface CalendarFields {
  year: number;
  month: number;
  /** Day of the month, 1–31. */
  monthday: number;
  hour: number;
  minute: number;
  second: number;
  /** Day of the year, 1–366. */
  yearday: number;
  /** ISO weekday, 1 (Monday) – 7 (Sunday). */
  weekday: number;
  /** ISO week number, 1–53. */
  week: number;
  /** ISO week-numbering year. */
  weekyear: number;
}

export function calendarOf(epochSeconds: number): CalendarFields {
  const s = Math.floor(epochSeconds);
  const days = Math.floor(s / SECONDS_PER_DAY);
  const secOfDay = s - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const weekday = weekdayOfDays(days);
  // The ISO week-year is the year of this week's Thursday.
  const thursday = days + (4 - weekday);
  const weekyear = civilFromDays(thursday).year;
  const week = Math.floor((days - isoWeekOneMonday(weekyear)) / 7) + 1;
  return {
    year,
    month,
    monthday: day,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    yearday: days - daysFromCivil(year, 1, 1) + 1,
    weekday,
    week,
    weekyear,
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SSZ`, the form Pacemaker prints (e.g. "Using the original execution date"). */
export function formatIsoDate(epochSeconds: number): string {
  const c = calendarOf(epochSeconds);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.monthday)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}Z`;
}

const DATE_FORMS: [RegExp, (m: RegExpExecArray) => number | undefined][] = [
  // Calendar date: YYYY-MM-DD or YYYYMMDD
  [
    /^(\d{4})-?(\d{2})-?(\d{2})/,
    (m) => {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const d = Number(m[3]);
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
      return daysFromCivil(y, mo, d);
    },
  ],
  // Week date: YYYY-Www-D or YYYY-Www (Monday)
  [
    /^(\d{4})-?W(\d{2})(?:-?([1-7]))?/,
    (m) => {
      const y = Number(m[1]);
      const w = Number(m[2]);
      const d = m[3] === undefined ? 1 : Number(m[3]);
      const lastWeek = calendarOf(daysFromCivil(y, 12, 28) * SECONDS_PER_DAY).week;
      if (w < 1 || w > lastWeek) return undefined;
      return isoWeekOneMonday(y) + (w - 1) * 7 + (d - 1);
    },
  ],
  // Ordinal date: YYYY-DDD
  [
    /^(\d{4})-?(\d{3})(?!\d)/,
    (m) => {
      const y = Number(m[1]);
      const d = Number(m[2]);
      if (d < 1 || d > (isLeapYear(y) ? 366 : 365)) return undefined;
      return daysFromCivil(y, 1, 1) + d - 1;
    },
  ],
];

const TIME_RE = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?/;
const OFFSET_RE = /^(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * Parses an ISO 8601 date and time as Pacemaker accepts them in rules and `-t`:
 * `2019-09-23 11:00:00 -05:00`, `2005-020T12:30`, `2005-001`, `2020-01-01`, `2014-W02-3`,
 * `2014-05-07 00:28:00Z`. The date and time may be separated by `T` or a space; the offset by
 * a space too. Without an offset the time is taken as UTC (Pacemaker would use the local zone;
 * vigil is deterministic). Returns seconds since the epoch, or undefined if malformed.
 */
export function parseIsoDate(text: string): number | undefined {
  const s = text.trim();
  let days: number | undefined;
  let rest = '';
  for (const [re, toDays] of DATE_FORMS) {
    const m = re.exec(s);
    if (m === null) continue;
    days = toDays(m);
    rest = s.slice(m[0].length);
    if (days !== undefined && (rest === '' || /^[T ]/.test(rest))) break;
    days = undefined;
  }
  if (days === undefined) return undefined;
  let seconds = days * SECONDS_PER_DAY;
  if (rest === '') return seconds;
  rest = rest.slice(1).trimStart();
  const t = TIME_RE.exec(rest);
  if (t === null) return undefined;
  const h = Number(t[1]);
  const mi = t[2] === undefined ? 0 : Number(t[2]);
  const se = t[3] === undefined ? 0 : Number(t[3]);
  if (h > 24 || mi > 59 || se > 60 || (h === 24 && (mi !== 0 || se !== 0))) return undefined;
  seconds += h * 3600 + mi * 60 + se;
  rest = rest.slice(t[0].length).trim();
  if (rest === '') return seconds;
  const o = OFFSET_RE.exec(rest);
  if (o === null) return undefined;
  if (o[1] !== undefined) {
    const oh = Number(o[2]);
    const om = o[3] === undefined ? 0 : Number(o[3]);
    if (oh > 23 || om > 59) return undefined;
    const off = (oh * 3600 + om * 60) * (o[1] === '-' ? -1 : 1);
    seconds -= off;
  }
  return seconds;
}

/** A calendar duration. Years and months are added on the calendar; the rest are fixed. */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export const ZERO_DURATION: Duration = {
  years: 0,
  months: 0,
  weeks: 0,
  days: 0,
  hours: 0,
  minutes: 0,
  seconds: 0,
};

/**
 * Parses an ISO 8601 duration: `P1Y2M3W4DT5H6M7S`, `PT10S`, `P2W`. As Pacemaker does, `S` and `H`
 * are accepted without the `T` (`P10S` is ten seconds); `M` means months before `T` and minutes
 * after it. Case-insensitive. Returns undefined if malformed or empty (`P`).
 */
export function parseIsoDuration(text: string): Duration | undefined {
  const s = text.trim().toUpperCase();
  if (!s.startsWith('P') || s.length < 2) return undefined;
  const d: Duration = { ...ZERO_DURATION };
  let inTime = false;
  let i = 1;
  let any = false;
  while (i < s.length) {
    if (s[i] === 'T') {
      if (inTime) return undefined;
      inTime = true;
      i++;
      continue;
    }
    const m = /^(\d+)([YMWDHS])/.exec(s.slice(i));
    if (m === null) return undefined;
    const n = Number(m[1]);
    switch (m[2]!) {
      case 'Y':
        d.years += n;
        break;
      case 'M':
        if (inTime) d.minutes += n;
        else d.months += n;
        break;
      case 'W':
        d.weeks += n;
        break;
      case 'D':
        d.days += n;
        break;
      case 'H':
        d.hours += n;
        break;
      case 'S':
        d.seconds += n;
        break;
    }
    any = true;
    i += m[0].length;
  }
  return any ? d : undefined;
}

/** Adds a duration to a time on the UTC calendar (months clamp to the month's last day). */
export function addDuration(epochSeconds: number, d: Duration): number {
  let t = epochSeconds;
  if (d.years !== 0 || d.months !== 0) {
    const days = Math.floor(t / SECONDS_PER_DAY);
    const secOfDay = t - days * SECONDS_PER_DAY;
    const c = civilFromDays(days);
    const totalMonths = c.year * 12 + (c.month - 1) + d.years * 12 + d.months;
    const y = Math.floor(totalMonths / 12);
    const m = totalMonths - y * 12 + 1;
    const day = Math.min(c.day, daysInMonth(y, m));
    t = daysFromCivil(y, m, day) * SECONDS_PER_DAY + secOfDay;
  }
  return t + ((d.weeks * 7 + d.days) * 24 + d.hours) * 3600 + d.minutes * 60 + d.seconds;
}

/**
 * Length of a duration in seconds with fixed-length years (365 days) and months (30 days), for
 * intervals and timeouts, where no calendar anchor exists.
 */
export function durationSeconds(d: Duration): number {
  return (
    ((d.years * 365 + d.months * 30 + d.weeks * 7 + d.days) * 24 + d.hours) * 3600 +
    d.minutes * 60 +
    d.seconds
  );
}

const UNIT_MS: Record<string, number> = {
  '': 1000,
  s: 1000,
  sec: 1000,
  ms: 1,
  msec: 1,
  us: 0.001,
  usec: 0.001,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/**
 * Parses an operation interval, timeout or delay into milliseconds: a whole number with an
 * optional unit (`10` and `10s` are seconds; `ms`/`msec`, `us`/`usec`, `m`/`min`, `h`/`hr`), or an
 * ISO 8601 duration (`P10S`, `PT1M`). Returns undefined if malformed (e.g. `timeout="bad"`).
 */
export function parseIntervalMs(text: string): number | undefined {
  const s = text.trim();
  if (/^P/i.test(s)) {
    const d = parseIsoDuration(s);
    return d === undefined ? undefined : durationSeconds(d) * 1000;
  }
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(s);
  if (m === null) return undefined;
  const unit = UNIT_MS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}
