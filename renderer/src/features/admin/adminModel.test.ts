import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_ROLES } from '../../../../core/common/security';
import { passwordProblem, policyText, signInErrorText } from '../auth/authText';
import { assignableRoles, lockoutText, parseSites, roleDescriptionText, roleIdFromName, sitesText, userFormProblem, userState } from './adminModel';

test('an operator may hand out only delegable roles within its own rights', () => {
  const operator = BUILTIN_ROLES.find((r) => r.id === 'operator')!.capabilities;
  // field staff hold config.edit, which an operator lacks
  assert.deepEqual(assignableRoles(BUILTIN_ROLES, false, operator).map((r) => r.id), ['viewer']);
  const fieldStaff = BUILTIN_ROLES.find((r) => r.id === 'field-staff')!;
  assert.deepEqual(assignableRoles(BUILTIN_ROLES, false, [...operator, 'config.edit']).map((r) => r.id), ['field-staff', 'viewer']);
  assert.deepEqual(assignableRoles([{ ...fieldStaff, id: 'x', capabilities: ['site.view', 'users.manage'] }], false, operator), [], 'never user management');
  assert.equal(assignableRoles(BUILTIN_ROLES, true).length, 4);
});

test('lockouts read as sentences', () => {
  const base = { username: 'op1', knownUser: true, failures: 5, lastFailureAt: 1, lockedUntil: 2 };
  assert.deepEqual(lockoutText({ ...base, source: 'browser@10.0.0.7' }), { who: 'op1', what: '5 failed sign-ins from browser@10.0.0.7: sign-ins of this name from there are refused' });
  assert.deepEqual(lockoutText({ ...base, username: 'ghost', knownUser: false, failures: 20, source: null }), {
    who: 'ghost (no such user)',
    what: '20 failed sign-ins from several workstations: every sign-in of this name is refused',
  });
});

test('sites, states, role ids', () => {
  assert.equal(parseSites(' ALL '), 'all');
  assert.deepEqual(parseSites('demo, north;demo  south'), ['demo', 'north', 'south']);
  assert.equal(sitesText(['a', 'b']), 'a, b');
  const base = { disabled: false, lockedUntil: null, validFrom: null, validTo: null, mustChangePassword: false };
  assert.deepEqual(userState(base, 1000), { text: 'active', abnormal: false });
  assert.equal(userState({ ...base, lockedUntil: 2000 }, 1000).text, 'locked out');
  assert.equal(userState({ ...base, validTo: 500 }, 1000).text, 'expired');
  assert.equal(userState({ ...base, disabled: true }, 1000).text, 'disabled');
  assert.equal(roleIdFromName('Shift lead (night)'), 'shift-lead-night');
});

test('user form checks', () => {
  const v = { username: 'guest1', displayName: 'Guest', password: 'x', roles: ['viewer'], sites: 'demo', validFrom: '', validTo: '' };
  assert.equal(userFormProblem(v, true), null);
  assert.match(userFormProblem({ ...v, username: 'a' }, true) ?? '', /User name/);
  assert.match(userFormProblem({ ...v, roles: [] }, true) ?? '', /role/);
  assert.match(userFormProblem({ ...v, sites: ' , ' }, true) ?? '', /site/);
  assert.match(userFormProblem({ ...v, validFrom: '2026-02-01T00:00', validTo: '2026-01-01T00:00' }, true) ?? '', /ends before/);
  assert.equal(userFormProblem({ ...v, password: '' }, false), null, 'editing needs no password');
});

test('sign-in errors and the password policy in words', () => {
  const err = (rule: string, message = 'm') => ({ code: 'unauthenticated', message, details: { rule } });
  assert.equal(signInErrorText(err('auth.bad-credentials')), 'Wrong user name or password.');
  assert.match(signInErrorText(err('auth.locked-out', 'locked until 2026-01-02T03:04:05Z'), () => 'T'), /until T/);
  assert.match(signInErrorText(err('account.expired')), /access period has expired/);
  assert.match(signInErrorText({ code: 'forbidden', message: 'no', details: { rule: 'x.y' } }), /^Not permitted: no \(rule x\.y\)\.$/);
  const p = { minLength: 12, maxLength: 256, minClasses: 2 };
  assert.match(policyText(p), /12 to 256 characters/);
  assert.match(passwordProblem(p, 'short', 'short') ?? '', /At least 12/);
  assert.match(passwordProblem(p, 'alllowercaseletters', 'alllowercaseletters') ?? '', /kinds/);
  assert.match(passwordProblem(p, 'Guest1-Password', 'Guest1-Password', 'guest1') ?? '', /user name/);
  assert.match(passwordProblem(p, 'Good-Password-1', 'Good-Password-2') ?? '', /differ/);
  assert.equal(passwordProblem(p, 'Good-Password-1', 'Good-Password-1', 'bob'), null);
});

test('role descriptions do not show requirement ids', () => {
  assert.equal(roleDescriptionText('Visualises data only (users.01 Req4)'), 'Visualises data only');
  assert.equal(roleDescriptionText('Runs the microgrid day to day; may add users with roles within its own rights, e.g. guests (users.01 Req2)'), 'Runs the microgrid day to day; may add users with roles within its own rights, e.g. guests');
  assert.equal(roleDescriptionText('Custom role for night shifts'), 'Custom role for night shifts');
});
