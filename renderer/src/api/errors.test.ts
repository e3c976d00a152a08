import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../core/common/api/contract';
import { toApiError } from './errors';

test('toApiError keeps ApiErrors, reads plain bodies and JSON embedded in Error messages', () => {
  const e = new ApiError('forbidden', 'no', { rule: 'r1' });
  assert.equal(toApiError(e), e);
  const b = toApiError({ code: 'bad-request', message: 'x', path: 'a[1]' });
  assert.equal(b.code, 'bad-request');
  assert.equal(b.details.path, 'a[1]');
  const ipc = toApiError(new Error(`Error invoking remote method 'esm:call': Error: {"code":"forbidden","message":"denied","rule":"rbac.x"}`));
  assert.equal(ipc.code, 'forbidden');
  assert.equal(ipc.details.rule, 'rbac.x');
  const other = toApiError(new Error('boom'));
  assert.equal(other.code, 'internal');
  assert.equal(other.message, 'boom');
  assert.equal(toApiError({ code: 'weird', message: 'm' }).code, 'internal');
});
