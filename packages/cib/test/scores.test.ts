import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INFINITY_SCORE,
  addScores,
  formatScore,
  healthScoresFor,
  isTrue,
  parseBoolean,
  parseScore,
  scoreValue,
} from '@vigil/cib';

describe('scores', () => {
  it('reads INFINITY in its spellings, integers, and caps at ±1,000,000', () => {
    assert.equal(scoreValue('INFINITY'), INFINITY_SCORE);
    assert.equal(scoreValue('+INFINITY'), INFINITY_SCORE);
    assert.equal(scoreValue('-INFINITY'), -INFINITY_SCORE);
    assert.equal(scoreValue('infinity'), INFINITY_SCORE);
    assert.equal(scoreValue(' 42 '), 42);
    assert.equal(scoreValue('-7'), -7);
    assert.equal(scoreValue('+7'), 7);
    assert.equal(scoreValue('5000000'), INFINITY_SCORE);
    assert.equal(scoreValue('-5000000'), -INFINITY_SCORE);
    for (const bad of ['abc', '', '1.5', '10s', 'INF', '--1'])
      assert.equal(scoreValue(bad), undefined, bad);
    assert.throws(
      () => parseScore('abc', 'rsc_location score'),
      /rsc_location score "abc" is not a score/,
    );
  });

  it('maps colours through the node-health strategy', () => {
    assert.equal(scoreValue('red'), -INFINITY_SCORE);
    assert.equal(scoreValue('green'), 0);
    const onlyGreen = healthScoresFor('only-green');
    assert.equal(scoreValue('yellow', onlyGreen), -INFINITY_SCORE);
    const progressive = healthScoresFor('progressive', { red: '-100', yellow: '-10', green: '5' });
    assert.deepEqual(progressive, { red: -100, yellow: -10, green: 5 });
    assert.deepEqual(healthScoresFor('none'), { red: 0, yellow: 0, green: 0 });
    assert.deepEqual(healthScoresFor('custom'), { red: -INFINITY_SCORE, yellow: 0, green: 0 });
  });

  it('adds like Pacemaker: -INFINITY dominates, then +INFINITY, else a capped sum (property)', () => {
    const score = fc.oneof(
      fc.integer({ min: -INFINITY_SCORE, max: INFINITY_SCORE }),
      fc.constantFrom(INFINITY_SCORE, -INFINITY_SCORE),
    );
    fc.assert(
      fc.property(score, score, (a, b) => {
        const s = addScores(a, b);
        assert.equal(s, addScores(b, a));
        assert.ok(s >= -INFINITY_SCORE && s <= INFINITY_SCORE);
        if (a === -INFINITY_SCORE || b === -INFINITY_SCORE) assert.equal(s, -INFINITY_SCORE);
        else if (a === INFINITY_SCORE || b === INFINITY_SCORE) assert.equal(s, INFINITY_SCORE);
        else assert.equal(s, Math.max(-INFINITY_SCORE, Math.min(INFINITY_SCORE, a + b)));
        assert.equal(scoreValue(formatScore(s)), s);
      }),
    );
  });

  it('reads Pacemaker booleans', () => {
    for (const t of ['true', 'TRUE', 'on', 'yes', 'y', '1']) assert.equal(parseBoolean(t), true, t);
    for (const f of ['false', 'off', 'no', 'n', '0']) assert.equal(parseBoolean(f), false, f);
    assert.equal(parseBoolean('maybe'), undefined);
    assert.equal(isTrue(undefined), false);
  });
});
