import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addDuration,
  calendarOf,
  civilFromDays,
  daysFromCivil,
  formatIsoDate,
  parseIntervalMs,
  parseIsoDate,
  parseIsoDuration,
} from '@vigil/cib';

// Tests may use Date as an independent reference; the package itself may not (pure core).
const utc = (iso: string): number => Date.parse(iso) / 1000;

/** ISO week and week-year, computed independently with Date. */
function isoWeek(sec: number): { week: number; weekyear: number } {
  const d = new Date(sec * 1000);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3),
  );
  const weekyear = thursday.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(weekyear, 0, 4));
  const ftDay = (firstThursday.getUTCDay() + 6) % 7;
  const week1Monday = Date.UTC(weekyear, 0, 4 - ftDay);
  const week = Math.floor((thursday.getTime() - week1Monday) / (7 * 86_400_000)) + 1;
  return { week, weekyear };
}

describe('calendar arithmetic', () => {
  it('agrees with Date on every field, across four centuries (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -4_000_000_000, max: 8_000_000_000 }), (sec) => {
        const c = calendarOf(sec);
        const d = new Date(sec * 1000);
        assert.deepEqual(
          [c.year, c.month, c.monthday, c.hour, c.minute, c.second],
          [
            d.getUTCFullYear(),
            d.getUTCMonth() + 1,
            d.getUTCDate(),
            d.getUTCHours(),
            d.getUTCMinutes(),
            d.getUTCSeconds(),
          ],
        );
        assert.equal(c.weekday, ((d.getUTCDay() + 6) % 7) + 1);
        const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
        assert.equal(c.yearday, Math.floor((sec * 1000 - jan1) / 86_400_000) + 1);
        assert.deepEqual({ week: c.week, weekyear: c.weekyear }, isoWeek(sec));
      }),
      { numRuns: 2000 },
    );
  });

  it('daysFromCivil and civilFromDays are inverse (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (days) => {
        const c = civilFromDays(days);
        assert.equal(daysFromCivil(c.year, c.month, c.day), days);
      }),
    );
  });

  it('formats as Pacemaker prints dates, and parses its own output back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (sec) => {
        const text = formatIsoDate(sec);
        assert.equal(
          text,
          new Date(sec * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z'),
        );
        assert.equal(parseIsoDate(text), sec);
      }),
    );
  });
});

describe('parseIsoDate', () => {
  const cases: [string, string][] = [
    ['2019-09-23 11:00:00 -05:00', '2019-09-23T16:00:00Z'],
    ['2019-09-20 15:10:52 +00:00', '2019-09-20T15:10:52Z'],
    ['2020-01-01', '2020-01-01T00:00:00Z'],
    ['2014-05-07 00:28:00', '2014-05-07T00:28:00Z'],
    ['2014-05-07T00:28:00+0130', '2014-05-06T22:58:00Z'],
    ['20140507T002800Z', '2014-05-07T00:28:00Z'],
  ];
  for (const [text, iso] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.equal(parseIsoDate(text), utc(iso)));
  }

  it('reads ordinal dates (the corpus -t 2005-020T12:30) and week dates', () => {
    assert.equal(parseIsoDate('2005-001'), utc('2005-01-01T00:00:00Z'));
    assert.equal(parseIsoDate('2005-020T12:30'), utc('2005-01-20T12:30:00Z'));
    assert.equal(parseIsoDate('2004-366'), utc('2004-12-31T00:00:00Z'));
    // 2009-W01-1 is Monday 2008-12-29 (ISO 8601's own example of a week date across years).
    assert.equal(parseIsoDate('2009-W01-1'), utc('2008-12-29T00:00:00Z'));
    assert.equal(parseIsoDate('2009-W53-7'), utc('2010-01-03T00:00:00Z'));
  });

  it('rejects malformed and out-of-range dates', () => {
    for (const bad of [
      '',
      'yesterday',
      '2019-13-01',
      '2019-02-29',
      '2005-366',
      '2019-01-01 25:00',
      '2019-01-01T10:00 +99:00',
      '2010-W53-1',
      '2019-01-01 x',
    ]) {
      assert.equal(parseIsoDate(bad), undefined, bad);
    }
  });
});

describe('durations and intervals', () => {
  it('parses ISO 8601 durations, including Pacemaker-style P10S', () => {
    assert.deepEqual(parseIsoDuration('P1Y2M3W4DT5H6M7S'), {
      years: 1,
      months: 2,
      weeks: 3,
      days: 4,
      hours: 5,
      minutes: 6,
      seconds: 7,
    });
    assert.equal(parseIsoDuration('P10S')?.seconds, 10);
    assert.equal(parseIsoDuration('PT1M')?.minutes, 1);
    assert.equal(parseIsoDuration('P1M')?.months, 1);
    for (const bad of ['P', '10S', 'PT', 'P1X', 'P1.5D'])
      assert.equal(parseIsoDuration(bad), undefined, bad);
  });

  it('adds durations on the calendar, clamping month ends', () => {
    const d = (s: string) => parseIsoDuration(s)!;
    assert.equal(addDuration(utc('2019-01-31T10:00:00Z'), d('P1M')), utc('2019-02-28T10:00:00Z'));
    assert.equal(addDuration(utc('2020-02-29T00:00:00Z'), d('P1Y')), utc('2021-02-28T00:00:00Z'));
    assert.equal(addDuration(utc('2019-12-31T23:00:00Z'), d('PT2H')), utc('2020-01-01T01:00:00Z'));
  });

  it('parses operation intervals and timeouts as Pacemaker writes them', () => {
    const ms: [string, number | undefined][] = [
      ['0', 0],
      ['10', 10_000],
      ['10s', 10_000],
      ['10000ms', 10_000],
      ['1m', 60_000],
      ['2min', 120_000],
      ['1h', 3_600_000],
      ['P10S', 10_000],
      ['PT1M30S', 90_000],
      [' 20s ', 20_000],
      ['bad', undefined],
      ['-5', undefined],
      ['5 parsecs', undefined],
    ];
    for (const [text, expected] of ms) assert.equal(parseIntervalMs(text), expected, text);
  });
});
