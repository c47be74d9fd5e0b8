import { it } from 'node:test';
import assert from 'node:assert/strict';
import { assert as invariant, AssertionFailure, defined, unreachable } from '@vigil/base';

it('assertions throw AssertionFailure naming the invariant', () => {
  assert.throws(
    () => invariant(Number('1') > 2, 'one exceeds two'),
    (e: unknown) => e instanceof AssertionFailure && /one exceeds two/.test(e.message),
  );
  assert.doesNotThrow(() => invariant(true, 'fine'));
  assert.equal(defined(3, 'x'), 3);
  assert.throws(() => defined(undefined, 'leader id'), /leader id is undefined/);
  assert.throws(() => unreachable('x' as never, 'state'), /unreachable state/);
});
