import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, VigilError, exitCodeOf, type ErrorSpec } from '@vigil/base';

const entries = Object.entries(ERROR_CATALOGUE) as [string, ErrorSpec][];

describe('error catalogue', () => {
  it('gives every code a unique number and the VGL_E_ prefix', () => {
    const numbers = entries.map(([, s]) => s.n);
    assert.equal(new Set(numbers).size, numbers.length, 'numbers are never reused');
    for (const [code] of entries) assert.match(code, /^VGL_E_[A-Z0-9_]+$/);
  });

  it('maps every code to a valid exit code and HTTP status', () => {
    for (const [code, s] of entries) {
      assert.ok(Number.isInteger(s.exit) && s.exit > 0 && s.exit < 126, `${code} exit ${s.exit}`);
      assert.ok(s.http >= 400 && s.http <= 599, `${code} http ${s.http}`);
    }
  });

  it('numbers codes densely from 1 so a deleted code shows up as a gap', () => {
    const sorted = entries.map(([, s]) => s.n).sort((a, b) => a - b);
    sorted.forEach((n, i) =>
      assert.equal(n, i + 1, `code number ${i + 1} is missing: retire codes, never delete them`),
    );
  });

  it('carries code, exit code and status on VigilError', () => {
    const e = new VigilError('VGL_E_NOT_FOUND', 'no resource web', { rsc: 'web' });
    assert.equal(e.exitCode, 66);
    assert.equal(e.httpStatus, 404);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), {
      code: 'VGL_E_NOT_FOUND',
      message: 'no resource web',
      details: { rsc: 'web' },
    });
    assert.equal(exitCodeOf(e), 66);
    assert.equal(exitCodeOf(new Error('x')), ERROR_CATALOGUE.VGL_E_INTERNAL.exit);
  });
});
