/**
 * Calendar arithmetic on epoch seconds (UTC, proleptic Gregorian), without the Date global,
 * which pure cores may not use.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** 1-based day of the year. */
  yearday: number;
}

export function civilFromSeconds(sec: number): Civil {
  const days = Math.floor(sec / 86400);
  const rem = sec - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const weekday = ((((days + 3) % 7) + 7) % 7) + 1;
  const yearday = days - daysFromCivil(year, 1, 1) + 1;
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    second: rem % 60,
    weekday,
    yearday,
  };
}

export function secondsFromCivil(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/** Adds calendar months and years, clamping the day to the target month's length. */
export function addMonths(sec: number, months: number): number {
  const c = civilFromSeconds(sec);
  const total = c.year * 12 + (c.month - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  const dim = daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
  return secondsFromCivil(y, m, Math.min(c.day, dim), c.hour, c.minute, c.second);
}
